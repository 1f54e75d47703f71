// Walks Debian's libonnx-testdata (the ONNX project's single-operator node
// tests). In scope: float32 inputs and outputs of rank <= 4 (1-D/2-D spatial),
// inference mode. Every model in scope either imports and profiles, or is
// refused with the clear "... is not supported" error; the counts are printed.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "distcnn/model/onnx_io.h"
#include "distcnn/profile/profiler.h"

namespace distcnn {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDataDir = "/usr/share/libonnx-testdata/data/node";

bool InScope(const std::string& dir, const onnx::ModelProto& m) {
  if (dir.find("training") != std::string::npos) return false;
  std::set<std::string> inits;
  for (const auto& t : m.graph().initializer()) inits.insert(t.name());
  auto ok = [](const onnx::ValueInfoProto& vi) {
    if (!vi.type().has_tensor_type()) return false;
    const auto& tt = vi.type().tensor_type();
    return tt.elem_type() == onnx::TensorProto_DataType_FLOAT &&
           (!tt.has_shape() || tt.shape().dim_size() <= 4);
  };
  for (const auto& vi : m.graph().input()) {
    if (!inits.count(vi.name()) && !ok(vi)) return false;
  }
  for (const auto& vi : m.graph().output()) {
    if (!ok(vi)) return false;
  }
  return true;
}

TEST(OnnxTestdataTest, WalkNodeTests) {
  if (!fs::exists(kDataDir))
    GTEST_SKIP() << kDataDir << " missing (apt-get install libonnx-testdata)";
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(kDataDir)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  int total = 0, out_of_scope = 0, profiled = 0, refused = 0;
  std::map<std::string, int> refused_ops;
  std::vector<std::string> failures;
  for (const fs::path& dir : dirs) {
    const fs::path file = dir / "model.onnx";
    if (!fs::exists(file)) continue;
    ++total;
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    onnx::ModelProto m;
    if (!m.ParseFromString(ss.str()) || !InScope(dir.filename().string(), m)) {
      ++out_of_scope;
      continue;
    }
    Result<Graph> g = ImportOnnxFile(file.string());
    if (!g.ok()) {
      const std::string& msg = g.status().message();
      const bool clear = msg.rfind(file.string() + ": ", 0) == 0 &&
                         msg.find("is not supported") != std::string::npos;
      if (clear) {
        ++refused;
        const size_t p = msg.find("operator '");
        refused_ops[p == std::string::npos ? "(attribute/type)"
                                           : msg.substr(p + 10, msg.find('\'', p + 10) - p - 10)]++;
        if (p == std::string::npos) std::printf("  refused: %s\n", msg.c_str());
      } else {
        failures.push_back(msg);
      }
      continue;
    }
    // Unsupported ops must never import.
    for (const auto& n : m.graph().node()) {
      EXPECT_TRUE(IsSupportedOp(n.op_type())) << file << " imported with " << n.op_type();
    }
    Result<ModelProfile> p = ProfileGraph(*g, Granularity::kLayer);
    if (p.ok()) {
      ++profiled;
    } else {
      failures.push_back(file.string() + ": profile: " + p.status().message());
    }
  }
  std::printf(
      "libonnx-testdata: %d models, %d out of scope, %d in scope: %d imported and "
      "profiled, %d refused as unsupported, %zu other failures\n",
      total, out_of_scope, total - out_of_scope, profiled, refused, failures.size());
  for (const std::string& f : failures) std::printf("  FAIL %s\n", f.c_str());
  EXPECT_TRUE(failures.empty());
  EXPECT_GT(profiled, 50);
}

}  // namespace
}  // namespace distcnn
