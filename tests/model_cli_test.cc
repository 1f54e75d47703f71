// Runs the real `distcnn` binary: `zoo list`, `zoo export`, `profile` of zoo
// models and of exported files (same profile), bad ONNX files (exit 1 with
// a clear message naming the file), and models too large to allocate.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_runner.h"
#include "distcnn/model/onnx_io.h"

namespace {

namespace fs = std::filesystem;
using distcnn::testing::CliRun;
using distcnn::testing::ReadFile;
using distcnn::testing::RunCli;
using distcnn::testing::TempDir;

TEST(ModelCliTest, ZooListAndProfile) {
  CliRun r = RunCli("zoo list");
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_NE(r.out.find("resnet50"), std::string::npos);
  r = RunCli("profile zoo:cnn5-gc");
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.out.find("19570.18"), std::string::npos) << r.out;
  r = RunCli("profile zoo:alexnet-gc --format csv");
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.out.find("\n3,gc1,1,"), std::string::npos) << r.out;
  r = RunCli("profile zoo:nope");
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("unknown zoo model 'nope'"), std::string::npos) << r.err;
}

TEST(ModelCliTest, ExportThenProfileTheFile) {
  const fs::path file = TempDir() / "mnv2.onnx";
  CliRun r = RunCli("zoo export mobilenetv2 " + file.string());
  ASSERT_EQ(r.exit_status, 0) << r.err;
  for (const char* g : {"op", "layer", "block"}) {
    const CliRun a = RunCli(std::string("profile zoo:mobilenetv2 --format csv --granularity ") + g);
    const CliRun b = RunCli("profile " + file.string() + " --format csv --granularity " + g);
    EXPECT_EQ(b.exit_status, 0) << b.err;
    EXPECT_EQ(a.out, b.out);
  }
  fs::remove(file);
}

TEST(ModelCliTest, BadFilesExitOneWithAClearMessage) {
  const fs::path dir = TempDir();
  const fs::path good = dir / "lenet5.onnx";
  ASSERT_EQ(RunCli("zoo export lenet5 " + good.string()).exit_status, 0);
  const std::string bytes = ReadFile(good);
  struct Case {
    const char* name;
    std::string content;
    const char* message;
  } cases[] = {
      {"truncated.onnx", bytes.substr(0, bytes.size() / 3), "not an ONNX model"},
      {"png.onnx", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, 'x'), "not an ONNX model"},
      {"empty.onnx", "", "empty file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path path = dir / c.name;
    std::ofstream(path, std::ios::binary) << c.content;
    const CliRun r = RunCli("profile " + path.string());
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err.rfind("error: " + path.string() + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  const CliRun r = RunCli("profile " + (dir / "missing.onnx").string());
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos);
  fs::remove_all(dir);
}

// An ONNX file of one Relu on a float32 input of `shape`.
fs::path WriteReluModel(const std::string& name, const distcnn::Shape& shape) {
  distcnn::Graph g;
  g.name = name;
  g.inputs = {{"x", distcnn::DataType::kFloat32, shape}};
  g.outputs = {{"y", distcnn::DataType::kFloat32, shape}};
  distcnn::Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"y"};
  g.nodes = {relu};
  const fs::path path = TempDir() / (name + ".onnx");
  const distcnn::Status s = distcnn::ExportOnnxFile(g, path.string());
  EXPECT_TRUE(s.ok()) << s.message();
  return path;
}

// A model whose input would take 480 GB (issue 14): `infer`, `profile` and a
// scenario using it refuse it at load with exit 1, naming the file and the
// tensor, instead of dying of std::bad_alloc.
TEST(ModelCliTest, HugeTensorIsRefusedNamingModelAndTensor) {
  const fs::path model = WriteReluModel("huge", {1, 3, 200000, 200000});
  const std::string message =
      model.string() + ": tensor 'x' [1,3,200000,200000] has more than 1073741824 elements";
  for (const std::string command : {"infer ", "profile "}) {
    SCOPED_TRACE(command);
    const CliRun r = RunCli(command + model.string());
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(r.err.find("error: " + message), std::string::npos) << r.err;
  }
  const fs::path scenario = TempDir() / "huge.yaml";
  std::ofstream(scenario) << "name: huge\ntechnology: wifi4\nunits:\n  - {id: a, type: jetson}\n"
                             "links: [[cam, a], [a, sink]]\nsources: [{id: cam}]\n"
                             "sinks: [{id: sink}]\ncnns:\n  - {name: net, source: cam, "
                             "model: huge.onnx}\n";
  for (const std::string command : {"plan ", "run "}) {
    SCOPED_TRACE(command);
    const CliRun r = RunCli(command + scenario.string());
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(r.err.find("tensor 'x' [1,3,200000,200000] has more than"), std::string::npos)
        << r.err;
  }
}

// An allocation that fails anyway (below the limit, above what the process may
// map: ulimit -v) ends in a message and exit 1, not in std::terminate: no
// exception escapes main.
TEST(ModelCliTest, OutOfMemoryIsAnErrorMessageNotACrash) {
  const fs::path model = WriteReluModel("big", {1, 3, 16000, 16000});  // 3 GB of float32
  const std::string cmd = "ulimit -v 2000000 && " + std::string(DISTCNN_BINARY) + " infer " +
                          model.string() + " --kernels reference > " +
                          (TempDir() / "oom.out").string() + " 2> " +
                          (TempDir() / "oom.err").string();
  const int raw = std::system(("/bin/sh -c '" + cmd + "'").c_str());
  ASSERT_TRUE(WIFEXITED(raw)) << "killed by a signal: " << ReadFile(TempDir() / "oom.err");
  EXPECT_EQ(WEXITSTATUS(raw), 1);
  const std::string err = ReadFile(TempDir() / "oom.err");
  EXPECT_NE(err.find("distcnn: error: out of memory"), std::string::npos) << err;
}

}  // namespace
