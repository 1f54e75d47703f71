// Split slices in one process, the twin of the distributed split: for every
// layer of lenet5, cnn5 and alexnet-2class and every kind that applies to it,
// the parts' results concatenated (out_channels) or summed (in_channels,
// fused) and run through the merge graph equal the whole layer's output, and
// each part and merge holds exactly the weight bytes the cost model gives it
// (placement/split_cost.h).
#include "distcnn/runtime/split_slices.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "distcnn/model/zoo.h"
#include "distcnn/placement/split_cost.h"
#include "distcnn/profile/split_profile.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/random_input.h"

namespace distcnn {
namespace {

struct Model {
  Graph graph;
  ModelProfile profile;
  std::vector<LayerSlice> slices;
  std::vector<Layer> layers;   // with their split figures
  std::vector<Tensor> inputs;  // each layer's input on one seeded frame
};

Model Load(const std::string& name) {
  Model m;
  m.graph = BuildZooModel(name).value();
  m.profile = ProfileGraph(m.graph, Granularity::kLayer).value();
  m.slices = SliceLayers(m.graph, m.profile).value();
  const std::vector<LayerSplit> splits = ProfileLayerSplits(m.graph, m.profile).value();
  Tensor x = RandomInput(m.graph.inputs[0].shape, 11);
  for (size_t j = 0; j < m.slices.size(); ++j) {
    Layer l;
    l.name = m.slices[j].name;
    l.split = splits[j];
    m.layers.push_back(l);
    m.inputs.push_back(x);
    const Graph& g = m.slices[j].graph;
    Executor ex = Executor::Create(g, DefaultKernels()).value();
    Tensor y = ex.Run({{g.inputs[0].name, x}})->at(g.outputs[0].name);
    if (!m.slices[j].exit) x = std::move(y);
  }
  return m;
}

Tensor RunGraph(const Graph& g, Tensor x) {
  if (g.nodes.empty()) return x;
  EXPECT_EQ(x.size(), NumElements(g.inputs[0].shape)) << g.name;
  x.shape = g.inputs[0].shape;  // shape ops only relabel
  Result<Executor> ex = Executor::Create(g, DefaultKernels());
  EXPECT_TRUE(ex.ok()) << ex.status().message();
  Result<TensorMap> out = ex->Run({{g.inputs[0].name, x}});
  EXPECT_TRUE(out.ok()) << g.name << ": " << out.status().message();
  return out->at(g.outputs[0].name);
}

Tensor Cut(const Tensor& x, const TensorRange& r) {
  EXPECT_LE(r.offset + r.count(), x.size());
  return Tensor(r.shape, std::vector<float>(x.data.begin() + r.offset,
                                            x.data.begin() + r.offset + r.count()));
}

Tensor Concat(const std::vector<Tensor>& parts, const Shape& shape, int axis) {
  Tensor out(shape);
  const auto a = static_cast<size_t>(axis);
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < a; ++i) outer *= shape[i];
  for (size_t i = a + 1; i < shape.size(); ++i) inner *= shape[i];
  size_t at = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor& p : parts) {
      const int64_t block = p.shape[a] * inner;
      std::copy_n(p.data.begin() + o * block, block, out.data.begin() + at);
      at += static_cast<size_t>(block);
    }
  }
  return out;
}

Tensor Sum(const std::vector<Tensor>& parts, const Shape& shape) {
  Tensor out(shape);
  for (const Tensor& p : parts) {
    EXPECT_EQ(p.size(), out.size());
    for (size_t i = 0; i < out.data.size(); ++i) out.data[i] += p.data[i];
  }
  return out;
}

void ExpectClose(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 0, worst = 0;
  for (float v : want.data) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  for (size_t i = 0; i < got.data.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(got.data[i]) - want.data[i]));
  }
  EXPECT_LE(worst, 1e-5 * std::max(scale, 1e-6)) << what << ": max |error| " << worst;
}

// Three parts (two when the layer has fewer units) with shares 3:3:2 of 8.
std::vector<int64_t> Units(int64_t total) {
  return SplitUnitCounts(total, total >= 3 ? std::vector<int>{3, 3, 2} : std::vector<int>{4, 4});
}

class SplitSlicesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SplitSlicesTest, PartsAndMergeEqualTheWholeLayerAndHoldThePlannedBytes) {
  const Model m = Load(GetParam());
  int checked = 0;
  for (size_t j = 0; j < m.slices.size(); ++j) {
    const LayerSlice& layer = m.slices[j];
    const LayerSplit& s = *m.layers[j].split;
    const Tensor& x = m.inputs[j];
    const Tensor want = RunGraph(layer.graph, x);
    if (s.out_channels_ok()) {
      SCOPED_TRACE(layer.name + " out_channels");
      std::vector<Tensor> outs;
      int64_t begin = 0;
      for (int64_t n : Units(s.out_units)) {
        Result<PartSlice> part = OutChannelsPart(layer, s.weighted_op, begin, begin + n);
        ASSERT_TRUE(part.ok()) << part.status().message();
        EXPECT_EQ(WeightBytes(part->graph),
                  SplitPartFigures(m.layers[j], PartitionKind::kOutChannels, n).memory_bytes);
        outs.push_back(RunGraph(part->graph, Cut(x, part->input)));
        begin += n;
      }
      Result<MergeSlice> merge = OutChannelsMerge(layer, s.weighted_op);
      ASSERT_TRUE(merge.ok()) << merge.status().message();
      EXPECT_EQ(WeightBytes(merge->graph),
                SplitMergeFigures(m.layers[j], PartitionKind::kOutChannels).memory_bytes);
      ExpectClose(RunGraph(merge->graph, Concat(outs, merge->combined, merge->concat_axis)), want,
                  layer.name);
      ++checked;
    }
    if (s.in_channels_ok()) {
      SCOPED_TRACE(layer.name + " in_channels");
      std::vector<Tensor> sums;
      int64_t begin = 0;
      for (int64_t n : Units(s.in_units)) {
        Result<PartSlice> part = InChannelsPart(layer, s.weighted_op, begin, begin + n);
        ASSERT_TRUE(part.ok()) << part.status().message();
        EXPECT_EQ(WeightBytes(part->graph),
                  SplitPartFigures(m.layers[j], PartitionKind::kInChannels, n).memory_bytes);
        EXPECT_EQ(part->input.count() * 4,
                  SplitPartFigures(m.layers[j], PartitionKind::kInChannels, n).input_bytes);
        sums.push_back(RunGraph(part->graph, Cut(x, part->input)));
        begin += n;
      }
      Result<MergeSlice> merge = InChannelsMerge(layer, s.weighted_op);
      ASSERT_TRUE(merge.ok()) << merge.status().message();
      EXPECT_EQ(WeightBytes(merge->graph),
                SplitMergeFigures(m.layers[j], PartitionKind::kInChannels).memory_bytes);
      ExpectClose(RunGraph(merge->graph, Sum(sums, merge->combined)), want, layer.name);
      ++checked;
    }
    if (s.fusable_with_next) {
      SCOPED_TRACE(layer.name + " fused with the next layer");
      const LayerSlice& next = m.slices[j + 1];
      const LayerSplit& t = *m.layers[j + 1].split;
      const int64_t k = t.in_units / s.out_units;
      std::vector<Tensor> sums;
      int64_t begin = 0;
      for (int64_t n : Units(s.out_units)) {
        Result<PartSlice> first = OutChannelsPart(layer, s.weighted_op, begin, begin + n);
        Result<PartSlice> second = InChannelsPart(next, t.weighted_op, k * begin, k * (begin + n));
        ASSERT_TRUE(first.ok() && second.ok());
        Cnn cnn;
        cnn.layers = m.layers;
        const std::vector<PartFigures> figures = SpanPartFigures(
            cnn, static_cast<int>(j), static_cast<int>(j) + 1, PartitionKind::kFused, {n}, 0);
        EXPECT_EQ(WeightBytes(first->graph), figures[0].memory_bytes);
        EXPECT_EQ(WeightBytes(second->graph), figures[1].memory_bytes);
        sums.push_back(RunGraph(second->graph, RunGraph(first->graph, Cut(x, first->input))));
        begin += n;
      }
      Result<MergeSlice> merge = InChannelsMerge(next, t.weighted_op);
      ASSERT_TRUE(merge.ok()) << merge.status().message();
      EXPECT_EQ(WeightBytes(merge->graph),
                SplitMergeFigures(m.layers[j + 1], PartitionKind::kInChannels).memory_bytes);
      ExpectClose(RunGraph(merge->graph, Sum(sums, merge->combined)), RunGraph(next.graph, want),
                  layer.name + "+" + next.name);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Zoo, SplitSlicesTest,
                         ::testing::Values("lenet5", "cnn5", "alexnet-2class", "cnn5-gc"));

}  // namespace
}  // namespace distcnn
