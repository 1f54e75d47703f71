#include "distcnn/runtime/executor.h"

#include <gtest/gtest.h>

#include "distcnn/base/rng.h"
#include "distcnn/model/zoo.h"

namespace distcnn {
namespace {

TensorMap RandomInputs(const Graph& g, uint64_t seed) {
  Rng rng(seed);
  TensorMap inputs;
  for (const TensorInfo& info : g.inputs) {
    Tensor t(info.shape);
    for (float& v : t.data) v = static_cast<float>(rng.Uniform());
    inputs[info.name] = t;
  }
  return inputs;
}

TEST(ExecutorTest, RunsLenet5AndSplitsAtAnyNode) {
  Result<Graph> g = BuildZooModel("lenet5");
  ASSERT_TRUE(g.ok()) << g.status().message();
  Result<Executor> ex = Executor::Create(*g);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  const TensorMap inputs = RandomInputs(*g, 7);
  Result<TensorMap> out = ex->Run(inputs);
  ASSERT_TRUE(out.ok()) << out.status().message();
  const TensorInfo& o = g->outputs[0];
  ASSERT_EQ(out->at(o.name).shape, o.shape);
  Result<TensorMap> again = ex->Run(inputs);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->at(o.name).data, out->at(o.name).data);
  // Two node ranges, as two units of a plan would run them, give the same logits.
  const size_t mid = g->nodes.size() / 2;
  TensorMap tensors = inputs;
  ASSERT_TRUE(ex->RunNodes(0, mid, &tensors).ok());
  ASSERT_TRUE(ex->RunNodes(mid, g->nodes.size(), &tensors).ok());
  EXPECT_EQ(tensors.at(o.name).data, out->at(o.name).data);
  EXPECT_FALSE(ex->RunNodes(mid, g->nodes.size() + 1, &tensors).ok());
}

TEST(ExecutorTest, RejectsWrongInputShapeAndMissingWeights) {
  Result<Graph> g = BuildZooModel("lenet5");
  ASSERT_TRUE(g.ok());
  Result<Executor> ex = Executor::Create(*g);
  ASSERT_TRUE(ex.ok());
  TensorMap inputs;
  inputs[g->inputs[0].name] = Tensor({1, 2, 3});
  Result<TensorMap> out = ex->Run(inputs);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("expects"), std::string::npos);
  Graph shapes_only = *g;
  for (Initializer& i : shapes_only.initializers) {
    i.seed.reset();
    i.floats.clear();
    i.raw.clear();
  }
  EXPECT_FALSE(Executor::Create(shapes_only).ok());
}

}  // namespace
}  // namespace distcnn
