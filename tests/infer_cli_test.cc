// `distcnn infer`: output shape, top-k lines, determinism per seed, bad input.
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace distcnn {
namespace {

using testing::RunCli;

std::string Line(const std::string& out, const std::string& prefix) {
  const size_t p = out.find(prefix);
  return p == std::string::npos ? "" : out.substr(p, out.find('\n', p) - p);
}

TEST(InferCliTest, Lenet5AndCnn5ShapesAndDeterministicTop1) {
  for (const std::string model : {"zoo:lenet5", "zoo:cnn5"}) {
    const auto a = RunCli("infer " + model + " --random-seed 3 --top 3");
    ASSERT_EQ(a.exit_status, 0) << model << ": " << a.err;
    EXPECT_NE(a.out.find("output "), std::string::npos) << a.out;
    EXPECT_NE(a.out.find("  top3 class "), std::string::npos) << a.out;
    EXPECT_EQ(a.out.find("  top4 "), std::string::npos) << a.out;
    EXPECT_NE(a.out.find("time "), std::string::npos) << a.out;
    const auto b = RunCli("infer " + model + " --random-seed 3 --top 3");
    ASSERT_EQ(b.exit_status, 0) << b.err;
    EXPECT_EQ(Line(a.out, "  top1 "), Line(b.out, "  top1 ")) << model;
    EXPECT_FALSE(Line(a.out, "  top1 ").empty());
  }
  const auto lenet = RunCli("infer zoo:lenet5 --top 1");
  EXPECT_NE(lenet.out.find("[1,10]"), std::string::npos) << lenet.out;
}

TEST(InferCliTest, UnknownModelFails) {
  const auto r = RunCli("infer zoo:nosuchnet");
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("error:"), std::string::npos);
}

}  // namespace
}  // namespace distcnn
