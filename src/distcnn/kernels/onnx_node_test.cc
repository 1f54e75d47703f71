// Runs every ONNX node test of Debian's libonnx-testdata that our importer
// accepts (docs/ops.md) on each kernel registry (KernelsByName: "reference",
// and "onednn" in builds with oneDNN) and compares each output with the ONNX
// project's reference output (test_data_set_0) at the ONNX backend tests'
// tolerance: |y - ref| <= 1e-7 + 1e-3 |ref|. Prints the counts per registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "distcnn/kernels/registry.h"
#include "distcnn/model/onnx_io.h"
#include "distcnn/runtime/executor.h"
#ifdef DISTCNN_HAVE_ONEDNN
#include "distcnn/kernels/onednn/onednn_kernels.h"
#endif

namespace distcnn {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDataDir = "/usr/share/libonnx-testdata/data/node";
constexpr double kRtol = 1e-3, kAtol = 1e-7;

// The values of a test tensor as floats (int64 and bool outputs included).
Result<Tensor> LoadTensor(const fs::path& file) {
  ASSIGN_OR_RETURN(Initializer init, ReadOnnxTensorFile(file.string()));
  Tensor t(init.info.shape);
  const size_t n = t.data.size();
  if (init.info.dtype == DataType::kFloat32) {
    t.data = FloatValues(init);
  } else if (init.info.dtype == DataType::kInt64 && init.ints.size() == n) {
    for (size_t i = 0; i < n; ++i) t.data[i] = static_cast<float>(init.ints[i]);
  } else if (init.info.dtype == DataType::kInt64 && init.raw.size() == n * 8) {
    for (size_t i = 0; i < n; ++i) {
      int64_t v;
      std::memcpy(&v, init.raw.data() + 8 * i, 8);
      t.data[i] = static_cast<float>(v);
    }
  } else if (init.info.dtype == DataType::kBool && init.raw.size() == n) {
    for (size_t i = 0; i < n; ++i) t.data[i] = init.raw[i] ? 1.0f : 0.0f;
  } else {
    return InvalidArgument(file.string() + ": values of type " + DataTypeName(init.info.dtype) +
                           " are not compared");
  }
  if (t.data.size() != n) return InvalidArgument(file.string() + ": no values");
  return t;
}

// Empty on success, else what differs.
std::string RunCase(const fs::path& dir, const Graph& g, const KernelRegistry& kernels) {
  const fs::path data = dir / "test_data_set_0";
  TensorMap inputs;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    Result<Tensor> t = LoadTensor(data / ("input_" + std::to_string(i) + ".pb"));
    if (!t.ok()) return t.status().message();
    inputs[g.inputs[i].name] = std::move(*t);
  }
  Result<Executor> ex = Executor::Create(g, kernels);
  if (!ex.ok()) return ex.status().message();
  Result<TensorMap> out = ex->Run(inputs);
  if (!out.ok()) return out.status().message();
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    Result<Tensor> ref = LoadTensor(data / ("output_" + std::to_string(i) + ".pb"));
    if (!ref.ok()) return ref.status().message();
    const Tensor& y = out->at(g.outputs[i].name);
    if (y.shape != ref->shape) {
      return "output " + std::to_string(i) + " shape " + ShapeString(y.shape) + " vs " +
             ShapeString(ref->shape);
    }
    for (size_t k = 0; k < y.data.size(); ++k) {
      const double a = y.data[k], b = ref->data[k];
      const bool both_nan = std::isnan(a) && std::isnan(b);
      if (!both_nan && !(std::fabs(a - b) <= kAtol + kRtol * std::fabs(b))) {
        return "output " + std::to_string(i) + "[" + std::to_string(k) +
               "] = " + std::to_string(a) + ", reference " + std::to_string(b);
      }
    }
  }
  return "";
}

class OnnxNodeTest : public testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeTest, SupportedNodeTestsMatchOnnxOutputs) {
  Result<const KernelRegistry*> kernels = KernelsByName(GetParam());
  ASSERT_TRUE(kernels.ok()) << kernels.status().message();
  if (!fs::exists(kDataDir))
    GTEST_SKIP() << kDataDir << " missing (apt-get install libonnx-testdata)";
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(kDataDir)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  int total = 0, not_imported = 0, refused_at_run = 0, passed = 0;
#ifdef DISTCNN_HAVE_ONEDNN
  const OneDnnRunCounts before = GetOneDnnRunCounts();
#endif
  std::vector<std::string> failures;
  for (const fs::path& dir : dirs) {
    const fs::path file = dir / "model.onnx";
    if (!fs::exists(file) || !fs::exists(dir / "test_data_set_0")) continue;
    ++total;
    Result<Graph> g = ImportOnnxFile(file.string());
    if (!g.ok()) {
      ++not_imported;
      continue;
    }
    const std::string error = RunCase(dir, *g, **kernels);
    if (error.empty()) {
      ++passed;
    } else if (error.find("is not supported") != std::string::npos) {
      ++refused_at_run;  // e.g. Dropout with a runtime training_mode = true
      std::printf("  refused at run time: %s: %s\n", dir.filename().c_str(), error.c_str());
    } else {
      failures.push_back(dir.filename().string() + ": " + error);
    }
  }
  std::printf(
      "libonnx-testdata node tests on the %s kernels: %d in total, %d not imported (unsupported), "
      "%d refused at run "
      "time, %d run: %d match, %zu differ\n",
      GetParam().c_str(), total, not_imported, refused_at_run,
      passed + static_cast<int>(failures.size()), passed, failures.size());
#ifdef DISTCNN_HAVE_ONEDNN
  if (GetParam() == "onednn") {
    const OneDnnRunCounts after = GetOneDnnRunCounts();
    std::printf("  node runs of oneDNN kernels: %lld on oneDNN, %lld delegated to the reference\n",
                static_cast<long long>(after.onednn - before.onednn),
                static_cast<long long>(after.reference - before.reference));
  }
#endif
  for (const std::string& f : failures) ADD_FAILURE() << f;
  EXPECT_GT(passed, 50);
}

std::vector<std::string> RegistryNames() {
#ifdef DISTCNN_HAVE_ONEDNN
  return {"reference", "onednn"};
#else
  return {"reference"};
#endif
}

INSTANTIATE_TEST_SUITE_P(Kernels, OnnxNodeTest, testing::ValuesIn(RegistryNames()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace distcnn
