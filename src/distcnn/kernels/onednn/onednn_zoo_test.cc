// Whole zoo models (model/zoo.h) run by the Executor with OneDnnKernels() and
// with ReferenceKernels() on one seeded input (uniform [0, 1), seed
// DISTCNN_TEST_SEED, default 1): every output must agree within 1e-4
// relative to the output's largest magnitude, max |y - ref| <= 1e-4 max |ref|.
// The large models (VGG-16, ResNet-50/101: ~10-40 s each on the reference
// kernels) run only with DISTCNN_SLOW_TESTS=1 (see docs/performance.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "distcnn/base/rng.h"
#include "distcnn/model/zoo.h"
#include "distcnn/runtime/executor.h"

namespace distcnn {
namespace {

constexpr double kRelativeTolerance = 1e-4;
const std::set<std::string> kSlowModels = {"vgg16", "resnet50", "resnet101"};

uint64_t Seed() {
  const char* s = std::getenv("DISTCNN_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 1;
}

Result<TensorMap> Run(const Graph& g, const KernelRegistry& kernels, const TensorMap& inputs,
                      double* seconds) {
  ASSIGN_OR_RETURN(Executor ex, Executor::Create(g, kernels));
  const auto start = std::chrono::steady_clock::now();
  Result<TensorMap> out = ex.Run(inputs);
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void CheckModel(const std::string& name) {
  const uint64_t seed = Seed();
  SCOPED_TRACE(name + ", seed " + std::to_string(seed) + " (DISTCNN_TEST_SEED)");
  Result<Graph> g = BuildZooModel(name);
  ASSERT_TRUE(g.ok()) << g.status().message();
  // Generate the seeded weights once rather than in each Executor::Create.
  for (Initializer& init : g->initializers) {
    if (!init.seed) continue;
    init.floats = FloatValues(init);
    init.seed.reset();
  }
  Rng rng(seed);
  TensorMap inputs;
  for (const TensorInfo& info : g->inputs) {
    Tensor t(info.shape);
    for (float& v : t.data) v = static_cast<float>(rng.Uniform());
    inputs[info.name] = std::move(t);
  }
  double onednn_s = 0, reference_s = 0;
  Result<TensorMap> got = Run(*g, OneDnnKernels(), inputs, &onednn_s);
  ASSERT_TRUE(got.ok()) << got.status().message();
  Result<TensorMap> ref = Run(*g, ReferenceKernels(), inputs, &reference_s);
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  ASSERT_EQ(got->size(), ref->size());
  for (const auto& [out_name, r] : *ref) {
    const Tensor& y = got->at(out_name);
    ASSERT_EQ(y.shape, r.shape) << out_name;
    double max_ref = 0, max_diff = 0;
    for (size_t k = 0; k < r.data.size(); ++k) {
      max_ref = std::max(max_ref, std::fabs(static_cast<double>(r.data[k])));
      max_diff = std::max(max_diff, std::fabs(static_cast<double>(y.data[k]) - r.data[k]));
    }
    std::printf(
        "%-15s %-12s max|ref| %.3e  max|diff| %.3e  (%.1e relative)  oneDNN %.3f s, "
        "reference %.3f s\n",
        name.c_str(), out_name.c_str(), max_ref, max_diff,
        max_ref > 0 ? max_diff / max_ref : max_diff, onednn_s, reference_s);
    ASSERT_GT(max_ref, 0) << out_name << ": all zero, nothing compared";
    EXPECT_LE(max_diff, kRelativeTolerance * max_ref) << out_name;
  }
}

class OneDnnZooTest : public testing::TestWithParam<std::string> {};

TEST_P(OneDnnZooTest, MatchesReferenceKernels) {
  if (kSlowModels.count(GetParam()) && !std::getenv("DISTCNN_SLOW_TESTS")) {
    GTEST_SKIP() << GetParam() << " takes tens of seconds on the reference kernels; "
                 << "set DISTCNN_SLOW_TESTS=1";
  }
  CheckModel(GetParam());
}

std::vector<std::string> ZooNames() {
  std::vector<std::string> names;
  for (const ZooEntry& e : ZooEntries()) names.push_back(e.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Zoo, OneDnnZooTest, testing::ValuesIn(ZooNames()),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string s = p.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

}  // namespace
}  // namespace distcnn
