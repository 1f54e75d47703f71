// Runs the real `distcnn` binary: `zoo list`, `zoo export`, `profile` of zoo
// models and of exported files (same profile), and bad ONNX files (exit 1 with
// a clear message naming the file).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_runner.h"

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

}  // namespace
