// Split slices in one process, the twin of the distributed split: for every
// layer of lenet5, cnn5 and alexnet-2class and every kind that applies to it,
// the parts' results concatenated (out_channels) or summed (in_channels,
// fused) and run through the merge graph equal the whole layer's output, and
// each part and merge holds exactly the weight bytes the cost model gives it
// (placement/split_cost.h). For spatial stacks the joined bands equal the
// stack's output (SpatialSplitSlicesTest).
#include "distcnn/runtime/split_slices.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <span>

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

// `run_layers`: how many layers' inputs to compute (all by default).
Model Load(const std::string& name, size_t run_layers = SIZE_MAX) {
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
    if (j >= run_layers) continue;
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

// Returns max |got - want| / max |want| (1 when the sizes differ).
double ExpectClose(const Tensor& got, const Tensor& want, const std::string& what) {
  EXPECT_EQ(got.size(), want.size()) << what;
  if (got.size() != want.size()) return 1;
  double scale = 0, worst = 0;
  for (float v : want.data) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  for (size_t i = 0; i < got.data.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(got.data[i]) - want.data[i]));
  }
  EXPECT_LE(worst, 1e-5 * std::max(scale, 1e-6)) << what << ": max |error| " << worst;
  return worst / std::max(scale, 1e-6);
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

TEST(SplitSlicesCutTensorRangeTest, CutsContiguousElementsAndBandsOfRows) {
  Tensor x({1, 2, 3, 2});
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>(i);
  Result<Tensor> flat = CutTensorRange(x, TensorRange{6, {1, 6}});
  ASSERT_TRUE(flat.ok()) << flat.status().message();
  EXPECT_EQ(flat->data, (std::vector<float>{6, 7, 8, 9, 10, 11}));
  // Rows 1..2 of both channels: elements 2-5 and 8-11.
  Result<Tensor> band = CutTensorRange(x, TensorRange{1, {1, 2, 2, 2}, 2});
  ASSERT_TRUE(band.ok()) << band.status().message();
  EXPECT_EQ(band->shape, (Shape{1, 2, 2, 2}));
  EXPECT_EQ(band->data, (std::vector<float>{2, 3, 4, 5, 8, 9, 10, 11}));
  EXPECT_FALSE(CutTensorRange(x, TensorRange{2, {1, 2, 2, 2}, 2}).ok());  // past row 3
  EXPECT_FALSE(CutTensorRange(x, TensorRange{0, {1, 1, 2, 2}, 2}).ok());  // a channel short
  EXPECT_FALSE(CutTensorRange(x, TensorRange{7, {1, 6}}).ok());
}

// A zoo model and the deepest spatial stack to check (its leading stack may
// be deeper: VGG-16's costs seconds per layer).
struct SpatialModel {
  std::string name;
  size_t max_depth = SIZE_MAX;
};

std::ostream& operator<<(std::ostream& os, const SpatialModel& m) { return os << m.name; }

class SpatialSplitSlicesTest : public ::testing::TestWithParam<SpatialModel> {};

// For every stack depth k of the model's leading spatial stack and bands over
// 2 and 3 parts (shares 4:4, 3:3:2 of the last layer's output rows), each part
// run on its band of the image (CutTensorRange) and the bands joined along
// the rows equal the whole stack's output, and each part holds exactly the
// weights, reads exactly the input bytes and sends exactly the output bytes
// SpanPartFigures gives it.
TEST_P(SpatialSplitSlicesTest, JoinedBandsEqualTheWholeStackAndHoldThePlannedBytes) {
  const SpatialModel& param = GetParam();
  size_t stack = 0;
  {
    const Model probe = Load(param.name, 0);
    while (stack < probe.layers.size() && probe.layers[stack].split->spatial_ok()) ++stack;
  }
  ASSERT_GE(stack, 1u) << param.name << " has no spatial stack";
  const size_t depth = std::min(stack, param.max_depth);
  const Model m = Load(param.name, depth + 1);
  Cnn cnn;
  cnn.layers = m.layers;
  const Tensor& image = m.inputs[0];
  std::vector<RowWindow> ops;
  int checked = 0;
  for (size_t k = 1; k <= depth; ++k) {
    const LayerSplit& last = *m.layers[k - 1].split;
    ops.insert(ops.end(), last.row_ops.begin(), last.row_ops.end());
    const Tensor& want = m.inputs[k];  // the stack's output: layer k's input
    const int64_t rows = last.row_ops.back().out_rows;
    ASSERT_EQ(want.shape[2], rows);
    for (const std::vector<int>& shares : {std::vector<int>{4, 4}, std::vector<int>{3, 3, 2}}) {
      const std::vector<int64_t> counts = SplitUnitCounts(rows, shares);
      if (std::count(counts.begin(), counts.end(), 0) > 0) continue;
      SCOPED_TRACE(param.name + ": layers 0.." + m.slices[k - 1].name + " over " +
                   std::to_string(shares.size()) + " parts");
      std::vector<Tensor> bands;
      int64_t begin = 0, held = 0;
      for (size_t q = 0; q < counts.size(); ++q) {
        Result<PartSlice> part = SpatialPart(std::span<const LayerSlice>(m.slices.data(), k), ops,
                                             RowRange{begin, begin + counts[q]});
        ASSERT_TRUE(part.ok()) << part.status().message();
        const std::vector<PartFigures> figures =
            SpanPartFigures(cnn, 0, static_cast<int>(k) - 1, PartitionKind::kSpatial, counts, q);
        int64_t memory = 0;
        for (const PartFigures& f : figures) memory += f.memory_bytes;
        EXPECT_EQ(WeightBytes(part->graph), memory);
        held = WeightBytes(part->graph);
        EXPECT_EQ(part->input.count() * 4, figures.front().input_bytes);
        Result<Tensor> in = CutTensorRange(image, part->input);
        ASSERT_TRUE(in.ok()) << in.status().message();
        bands.push_back(RunGraph(part->graph, *in));
        EXPECT_EQ(bands.back().shape[2], counts[q]);
        EXPECT_EQ(bands.back().size() * 4, figures.back().output_bytes);
        begin += counts[q];
      }
      const MergeSlice merge = SpatialMerge(m.slices[k - 1]);
      EXPECT_TRUE(merge.graph.nodes.empty());
      const double error = ExpectClose(Concat(bands, merge.combined, merge.concat_axis), want,
                                       "stack of " + std::to_string(k));
      std::printf(
          "%s: layers 0..%zu (%s), %zu parts: max |joined - whole| %.2g x max |whole|, "
          "%lld weight bytes per part\n",
          param.name.c_str(), k - 1, m.slices[k - 1].name.c_str(), counts.size(), error,
          static_cast<long long>(held));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Zoo, SpatialSplitSlicesTest,
                         ::testing::Values(SpatialModel{"lenet5"}, SpatialModel{"cnn5"},
                                           SpatialModel{"alexnet-2class"}, SpatialModel{"alexnet"},
                                           SpatialModel{"resnet18"}, SpatialModel{"mobilenetv2", 4},
                                           SpatialModel{"vgg16", 3}),
                         [](const auto& test) {
                           std::string name = test.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace distcnn
