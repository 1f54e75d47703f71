#include "distcnn/model/zoo.h"

#include <gtest/gtest.h>

#include "distcnn/profile/profiler.h"

namespace distcnn {
namespace {

// Parameter counts equal the published ones: torchvision for VGG-16 (138.36 M),
// ResNet-18/50/101 (11.69/25.56/44.55 M), MobileNetV2 (3.50 M); Caffe's
// bvlc_alexnet (60.97 M; torchvision's single-GPU variant has 61.10 M); the
// paper's tables for its models (m / 4 B).
TEST(ZooTest, ParameterCountsArePublished) {
  for (const ZooEntry& e : ZooEntries()) {
    SCOPED_TRACE(e.name);
    Result<Graph> g = BuildZooModel(e.name);
    ASSERT_TRUE(g.ok()) << g.status().message();
    EXPECT_EQ(CountParameters(*g), e.published_params);
    Result<ModelProfile> p = ProfileGraph(*g, Granularity::kLayer);
    ASSERT_TRUE(p.ok()) << p.status().message();
    EXPECT_EQ(p->params, e.published_params);
  }
  EXPECT_EQ(BuildZooModel("resnet50")->nodes.size(), 175u);
}

TEST(ZooTest, KnownValues) {
  auto params = [](const char* n) { return CountParameters(*BuildZooModel(n)); };
  EXPECT_EQ(params("resnet50"), 25557032);
  EXPECT_EQ(params("vgg16"), 138357544);
  EXPECT_EQ(params("mobilenetv2"), 3504872);
  EXPECT_EQ(params("resnet18"), 11689512);
  EXPECT_EQ(params("resnet101"), 44549160);
  EXPECT_EQ(params("alexnet"), 60965224);
}

TEST(ZooTest, UnknownNameListsKnownOnes) {
  Result<Graph> g = BuildZooModel("resnet9000");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kNotFound);
  EXPECT_NE(g.status().message().find("resnet50"), std::string::npos);
}

TEST(ZooTest, SeededWeightsAreDeterministic) {
  const Graph a = *BuildZooModel("lenet5", 7);
  const Graph b = *BuildZooModel("lenet5", 7);
  const Graph c = *BuildZooModel("lenet5", 8);
  EXPECT_EQ(FloatValues(a.initializers[0]), FloatValues(b.initializers[0]));
  EXPECT_NE(FloatValues(a.initializers[0]), FloatValues(c.initializers[0]));
  for (float v : FloatValues(a.initializers[0])) {
    EXPECT_LE(std::abs(v), a.initializers[0].scale);
  }
}

}  // namespace
}  // namespace distcnn
