// `distcnn infer`: output shape, top-k lines, determinism per seed, bad input,
// --input files (.npy and images) and --save-output(s).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "cli_runner.h"
#include "distcnn/base/rng.h"
#include "distcnn/io/file_bytes.h"
#include "distcnn/io/npy.h"

namespace distcnn {
namespace {

using testing::RunCli;

// A path in this test process's scratch directory.
std::string Tmp(const std::string& name) { return (testing::TempDir() / name).string(); }

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

// The input `--random-seed SEED` feeds a model input of this shape.
Tensor SeededInput(const Shape& shape, uint64_t seed) {
  Tensor t(shape);
  Rng rng(seed);
  for (float& v : t.data) v = static_cast<float>(rng.Uniform());
  return t;
}

TEST(InferCliTest, NpyInputGivesTheSameOutputAsTheSeededInput) {
  const Tensor x = SeededInput({1, 1, 32, 32}, 3);
  ASSERT_TRUE(io::WriteNpy(Tmp("seed3.npy"), x).ok());
  ASSERT_TRUE(io::WriteNpy(Tmp("seed3_chw.npy"), Tensor({1, 32, 32}, x.data)).ok());
  const auto seeded = RunCli("infer zoo:lenet5 --random-seed 3 --save-output " + Tmp("a.npy"));
  ASSERT_EQ(seeded.exit_status, 0) << seeded.err;
  EXPECT_NE(seeded.out.find("model zoo:lenet5, input seed 3, "), std::string::npos) << seeded.out;
  for (const std::string name : {"seed3.npy", "seed3_chw.npy"}) {
    const auto file =
        RunCli("infer zoo:lenet5 --input " + Tmp(name) + " --save-output " + Tmp("b.npy"));
    ASSERT_EQ(file.exit_status, 0) << file.err;
    EXPECT_NE(file.out.find("model zoo:lenet5, input " + Tmp(name) + " (npy <f4 "),
              std::string::npos)
        << file.out;
    EXPECT_NE(file.err.find("wrote " + Tmp("b.npy")), std::string::npos) << file.err;
    const std::string a = testing::ReadFile(Tmp("a.npy"));
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a, testing::ReadFile(Tmp("b.npy"))) << name;
    EXPECT_EQ(Line(seeded.out, "  top1 "), Line(file.out, "  top1 ")) << name;
  }
  // Another seed changes the saved output: the comparison above can fail.
  const auto other = RunCli("infer zoo:lenet5 --random-seed 4 --save-output " + Tmp("c.npy"));
  ASSERT_EQ(other.exit_status, 0) << other.err;
  EXPECT_NE(testing::ReadFile(Tmp("a.npy")), testing::ReadFile(Tmp("c.npy")));
  Result<Tensor> y = io::ReadNpy(Tmp("a.npy"));
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->shape, Shape({1, 10}));
}

TEST(InferCliTest, ImageInputEqualsTheEquivalentNpy) {
  // A solid 40x30 PGM of grey 100 fills LeNet-5's [1,1,32,32] input with 100/255
  // (resizing a constant keeps it exact; C = 1, 32x32: no normalisation).
  std::string pgm = "P5\n40 30\n255\n" + std::string(40 * 30, static_cast<char>(100));
  ASSERT_TRUE(io::WriteFileBytes(Tmp("grey.pgm"), pgm).ok());
  Tensor x({1, 1, 32, 32});
  for (float& v : x.data) v = static_cast<float>(100 / 255.0);
  ASSERT_TRUE(io::WriteNpy(Tmp("grey.npy"), x).ok());
  const auto image = RunCli("infer zoo:lenet5 --input " + Tmp("grey.pgm") + " --save-output " +
                            Tmp("image_out.npy"));
  ASSERT_EQ(image.exit_status, 0) << image.err;
  EXPECT_NE(image.out.find("input " + Tmp("grey.pgm") + " (PGM 40x30 grey -> [1,1,32,32], [0,1])"),
            std::string::npos)
      << image.out;
  const auto npy = RunCli("infer zoo:lenet5 --input " + Tmp("grey.npy") + " --save-output " +
                          Tmp("npy_out.npy"));
  ASSERT_EQ(npy.exit_status, 0) << npy.err;
  EXPECT_FALSE(testing::ReadFile(Tmp("npy_out.npy")).empty());
  EXPECT_EQ(testing::ReadFile(Tmp("image_out.npy")), testing::ReadFile(Tmp("npy_out.npy")));
}

TEST(InferCliTest, SaveOutputsWritesEveryOutputOfAnEarlyExitModel) {
  const std::string dir = Tmp("cnn5gc_outputs");
  const auto r = RunCli("infer zoo:cnn5-gc --top 1 --save-outputs " + dir + " --save-output " +
                        Tmp("main.npy"));
  ASSERT_EQ(r.exit_status, 0) << r.err;
  // Output names and top-1 logits from stdout: "output NAME [1,10]", "  top1 class K logit L".
  std::vector<std::string> names;
  std::vector<std::pair<int, double>> top1;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("output ", 0) == 0) names.push_back(line.substr(7, line.find(' ', 7) - 7));
    int k = -1;
    double logit = 0;
    if (std::sscanf(line.c_str(), "  top1 class %d logit %lf", &k, &logit) == 2) {
      top1.emplace_back(k, logit);
    }
  }
  ASSERT_EQ(top1.size(), names.size()) << r.out;
  ASSERT_EQ(names.size(), 2u) << r.out;
  const std::vector<std::string> files = io::NpyFileNames(names);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string path = dir + "/" + files[i];
    Result<Tensor> y = io::ReadNpy(path);
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_EQ(y->shape, Shape({1, 10})) << path;
    const auto [k, logit] = top1[i];
    ASSERT_GE(k, 0);
    EXPECT_NEAR(y->data[static_cast<size_t>(k)], logit, 1e-5 * std::max(1.0, std::abs(logit)))
        << path;
    EXPECT_NE(r.err.find("wrote " + path), std::string::npos) << r.err;
  }
  EXPECT_EQ(testing::ReadFile(dir + "/" + files[0]), testing::ReadFile(Tmp("main.npy")));
  EXPECT_NE(testing::ReadFile(dir + "/" + files[0]), testing::ReadFile(dir + "/" + files[1]));
}

TEST(InferCliTest, BadInputFilesFailNamingTheFile) {
  const std::string broken = Tmp("broken.png");
  ASSERT_TRUE(io::WriteFileBytes(broken, std::string("\x89PNG\r\n\x1a\n", 8) + "not a png").ok());
  const auto png = RunCli("infer zoo:lenet5 --input " + broken);
  EXPECT_EQ(png.exit_status, 1);
  EXPECT_NE(png.err.find("error: " + broken + ": cannot decode PNG: "), std::string::npos)
      << png.err;
  EXPECT_EQ(png.out, "");

  ASSERT_TRUE(io::WriteFileBytes(Tmp("notes.txt"), "hello").ok());
  const auto text = RunCli("infer zoo:lenet5 --input " + Tmp("notes.txt"));
  EXPECT_EQ(text.exit_status, 1);
  EXPECT_NE(text.err.find(Tmp("notes.txt") + ": unknown file format"), std::string::npos)
      << text.err;
  EXPECT_NE(text.err.find("NumPy .npy, PNG, JPEG, PPM/PGM"), std::string::npos) << text.err;

  const auto missing = RunCli("infer zoo:lenet5 --input " + Tmp("missing.jpg"));
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_NE(missing.err.find(Tmp("missing.jpg") + ": cannot open"), std::string::npos)
      << missing.err;

  ASSERT_TRUE(io::WriteNpy(Tmp("rgb.npy"), Tensor({1, 3, 32, 32})).ok());
  const auto shape = RunCli("infer zoo:lenet5 --input " + Tmp("rgb.npy"));
  EXPECT_EQ(shape.exit_status, 1);
  EXPECT_NE(shape.err.find(Tmp("rgb.npy") +
                           ": shape [1,3,32,32] does not match model input 'input' [1,1,32,32]"),
            std::string::npos)
      << shape.err;
}

TEST(InferCliTest, InputExcludesRandomSeedAndSaveErrorsFail) {
  ASSERT_TRUE(io::WriteNpy(Tmp("x.npy"), Tensor({1, 1, 32, 32})).ok());
  const auto both = RunCli("infer zoo:lenet5 --input " + Tmp("x.npy") + " --random-seed 2");
  EXPECT_EQ(both.exit_status, 1);
  const bool named = both.err.find("--input excludes --random-seed") != std::string::npos ||
                     both.err.find("--random-seed excludes --input") != std::string::npos;
  EXPECT_TRUE(named) << both.err;
  const std::string bad = Tmp("no/such/dir/y.npy");
  const auto save = RunCli("infer zoo:lenet5 --save-output " + bad);
  EXPECT_EQ(save.exit_status, 1);
  EXPECT_NE(save.err.find("error: " + bad + ": cannot open for writing"), std::string::npos)
      << save.err;
}

TEST(InferCliTest, UnknownModelFails) {
  const auto r = RunCli("infer zoo:nosuchnet");
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("error:"), std::string::npos);
}

}  // namespace
}  // namespace distcnn
