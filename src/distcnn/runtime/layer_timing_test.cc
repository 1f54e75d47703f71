#include "distcnn/runtime/layer_timing.h"

#include <gtest/gtest.h>

#include "distcnn/model/zoo.h"

namespace distcnn {
namespace {

// No assertion here depends on how fast the host is: only on the number,
// order and consistency of the timings.
class LayerTimingTest : public ::testing::TestWithParam<const char*> {};

void ExpectConsistent(const ModelProfile& profile, const std::vector<LayerTiming>& timings);

TEST_P(LayerTimingTest, OneTimingPerLayerAndAConsistentRate) {
  Result<Graph> g = BuildZooModel(GetParam());
  ASSERT_TRUE(g.ok()) << g.status().message();
  Result<ModelProfile> profile = ProfileGraph(*g, Granularity::kLayer);
  ASSERT_TRUE(profile.ok()) << profile.status().message();
  for (const bool cold : {false, true}) {
    SCOPED_TRACE(cold ? "cold" : "hot");
    Result<std::vector<LayerTiming>> timings =
        TimeLayers(*g, *profile, ReferenceKernels(), {.repeat = 2, .seed = 1, .cold = cold});
    ASSERT_TRUE(timings.ok()) << timings.status().message();
    ExpectConsistent(*profile, *timings);
  }
}

void ExpectConsistent(const ModelProfile& profile, const std::vector<LayerTiming>& timings) {
  ASSERT_EQ(timings.size(), profile.layers.size());

  double mults = 0;
  double time_s = 0;
  for (size_t j = 0; j < timings.size(); ++j) {
    const LayerTiming& t = timings[j];
    const LayerProfile& l = profile.layers[j];
    SCOPED_TRACE(l.name);
    EXPECT_EQ(t.name, l.name);
    EXPECT_EQ(t.exit, l.exit);
    EXPECT_EQ(t.mults, l.mults);
    EXPECT_GT(t.time_s, 0);
    EXPECT_DOUBLE_EQ(t.mults_per_s, l.mults / t.time_s);
    mults += l.mults;
    time_s += t.time_s;
  }
  EXPECT_GT(mults, 0);
  EXPECT_DOUBLE_EQ(EffectiveMultsPerS(timings), mults / time_s);
}

INSTANTIATE_TEST_SUITE_P(Zoo, LayerTimingTest, ::testing::Values("lenet5", "cnn5-gc"));

TEST(LayerTimingTest, EffectiveRateIsTotalMultsOverTotalTime) {
  const std::vector<LayerTiming> timings = {{"a", false, 6e6, 0.002, 3e9},
                                            {"b", true, 2e6, 0.006, 1e9 / 3}};
  EXPECT_DOUBLE_EQ(EffectiveMultsPerS(timings), 8e6 / 0.008);  // not the mean of the rates
  EXPECT_EQ(EffectiveMultsPerS({}), 0);
}

TEST(LayerTimingTest, RejectsBadArguments) {
  Result<Graph> g = BuildZooModel("lenet5");
  ASSERT_TRUE(g.ok());
  Result<ModelProfile> profile = ProfileGraph(*g, Granularity::kLayer);
  ASSERT_TRUE(profile.ok());
  Result<std::vector<LayerTiming>> zero =
      TimeLayers(*g, *profile, ReferenceKernels(), {.repeat = 0});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);

  KernelRegistry empty;
  Result<std::vector<LayerTiming>> none = TimeLayers(*g, *profile, empty, {.repeat = 1});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("layer '" + profile->layers[0].name + "'"),
            std::string::npos)
      << none.status().message();
}

}  // namespace
}  // namespace distcnn
