#include "distcnn/runtime/layer_slices.h"

#include <gtest/gtest.h>

#include "distcnn/model/onnx_io.h"
#include "distcnn/model/zoo.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/random_input.h"

namespace distcnn {
namespace {

// Runs the slices one after the other the way units of a plan do and returns
// every model output they produce (main and exits).
TensorMap RunChain(const std::vector<LayerSlice>& slices, const ModelProfile& profile,
                   Tensor input) {
  TensorMap produced;
  Tensor current = std::move(input);
  for (size_t j = 0; j < slices.size(); ++j) {
    Result<Executor> ex = Executor::Create(slices[j].graph);
    EXPECT_TRUE(ex.ok()) << ex.status().message();
    Result<TensorMap> out = ex->Run({{slices[j].input(), current}});
    EXPECT_TRUE(out.ok()) << out.status().message();
    Tensor y = out->at(slices[j].output());
    const std::string model_output = ModelOutputOf(profile, j);
    if (!model_output.empty()) produced[model_output] = y;
    if (!slices[j].exit) current = std::move(y);
  }
  return produced;
}

class LayerSlicesTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LayerSlicesTest, ChainedSlicesEqualTheWholeModel) {
  Result<Graph> g = BuildZooModel(GetParam());
  ASSERT_TRUE(g.ok()) << g.status().message();
  Result<ModelProfile> profile = ProfileGraph(*g, Granularity::kLayer);
  ASSERT_TRUE(profile.ok()) << profile.status().message();
  Result<std::vector<LayerSlice>> slices = SliceLayers(*g, *profile);
  ASSERT_TRUE(slices.ok()) << slices.status().message();
  ASSERT_EQ(slices->size(), profile->layers.size());

  size_t nodes = 0;
  size_t weights = 0;
  for (const LayerSlice& s : *slices) {
    nodes += s.graph.nodes.size();
    weights += s.graph.initializers.size();
    ASSERT_EQ(s.graph.inputs.size(), 1u);
    ASSERT_EQ(s.graph.outputs.size(), 1u);
  }
  EXPECT_EQ(nodes, g->nodes.size());  // every node in exactly one slice
  EXPECT_EQ(weights, g->initializers.size());

  const Tensor input = RandomInput(g->inputs[0].shape, 11);
  Result<Executor> whole = Executor::Create(*g);
  ASSERT_TRUE(whole.ok());
  Result<TensorMap> expected = whole->Run({{g->inputs[0].name, input}});
  ASSERT_TRUE(expected.ok());
  const TensorMap got = RunChain(*slices, *profile, input);
  ASSERT_EQ(got.size(), g->outputs.size());
  for (const TensorInfo& out : g->outputs) {
    ASSERT_TRUE(got.count(out.name)) << out.name;
    EXPECT_EQ(got.at(out.name).data, expected->at(out.name).data) << out.name;
  }
}

TEST_P(LayerSlicesTest, SlicesSurviveTheOnnxRoundTrip) {
  Result<Graph> g = BuildZooModel(GetParam());
  ASSERT_TRUE(g.ok());
  Result<ModelProfile> profile = ProfileGraph(*g, Granularity::kLayer);
  ASSERT_TRUE(profile.ok());
  Result<std::vector<LayerSlice>> slices = SliceLayers(*g, *profile);
  ASSERT_TRUE(slices.ok());
  for (const LayerSlice& s : *slices) {
    Result<std::string> bytes = ExportOnnxBytes(s.graph);
    ASSERT_TRUE(bytes.ok()) << s.name << ": " << bytes.status().message();
    Result<Graph> back = ImportOnnxBytes(*bytes, s.name);
    ASSERT_TRUE(back.ok()) << s.name << ": " << back.status().message();
    EXPECT_EQ(back->inputs, s.graph.inputs);
    EXPECT_EQ(back->outputs, s.graph.outputs);
    EXPECT_EQ(back->nodes.size(), s.graph.nodes.size());
    const Tensor x = RandomInput(s.graph.inputs[0].shape, 3);
    Result<Executor> a = Executor::Create(s.graph);
    Result<Executor> b = Executor::Create(*back);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->Run({{s.input(), x}})->at(s.output()).data,
              b->Run({{s.input(), x}})->at(s.output()).data)
        << s.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, LayerSlicesTest,
                         ::testing::Values("lenet5", "cnn5", "cnn5-gc", "mobilenetv2"));

}  // namespace
}  // namespace distcnn
