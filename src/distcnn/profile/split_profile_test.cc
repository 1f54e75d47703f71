#include "distcnn/profile/split_profile.h"

#include <gtest/gtest.h>

#include "distcnn/model/zoo.h"

namespace distcnn {
namespace {

struct Split {
  ModelProfile profile;
  std::vector<LayerSplit> layers;

  const LayerSplit& Layer(const std::string& name) const {
    for (size_t j = 0; j < profile.layers.size(); ++j) {
      if (profile.layers[j].name == name) return layers[j];
    }
    ADD_FAILURE() << "no layer " << name;
    static const LayerSplit kNone;
    return kNone;
  }
  const LayerSplit& ByWeightedOp(const std::string& op) const {
    for (const LayerSplit& s : layers) {
      if (s.weighted_op == op) return s;
    }
    ADD_FAILURE() << "no layer with weighted op " << op;
    static const LayerSplit kNone;
    return kNone;
  }
};

Split MustSplit(const Graph& graph) {
  Split s;
  Result<ModelProfile> p = ProfileGraph(graph, Granularity::kLayer);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return s;
  s.profile = *p;
  Result<std::vector<LayerSplit>> l = ProfileLayerSplits(graph, s.profile);
  EXPECT_TRUE(l.ok()) << l.status().message();
  if (l.ok()) s.layers = *l;
  return s;
}

Split MustSplit(const std::string& zoo_name) {
  Result<Graph> graph = BuildZooModel(zoo_name);
  EXPECT_TRUE(graph.ok()) << graph.status().message();
  return graph.ok() ? MustSplit(*graph) : Split();
}

TEST(SplitProfileTest, InvariantsOnEveryZooLayer) {
  for (const ZooEntry& entry : ZooEntries()) {
    SCOPED_TRACE(entry.name);
    const Split s = MustSplit(entry.name);
    ASSERT_EQ(s.layers.size(), s.profile.layers.size());
    for (size_t j = 0; j < s.layers.size(); ++j) {
      const LayerProfile& l = s.profile.layers[j];
      const LayerSplit& x = s.layers[j];
      SCOPED_TRACE(l.name);
      // Both kinds cover the layer exactly once.
      EXPECT_EQ(x.out_part_memory_bytes + x.out_merge_memory_bytes, l.weight_bytes);
      EXPECT_EQ(x.out_part_mults + x.out_merge_mults, l.mults);
      EXPECT_EQ(x.in_part_memory_bytes + x.in_merge_memory_bytes, l.weight_bytes);
      EXPECT_EQ(x.in_part_mults + x.in_merge_mults, l.mults);
      // The input is the previous layer's output (after a gate: what the gate
      // read, which is its output_bytes), or the CNN's input.
      EXPECT_EQ(x.input_bytes,
                j == 0 ? s.profile.input_bytes : s.profile.layers[j - 1].output_bytes);
      if (l.exit) {
        EXPECT_EQ(x.out_units, 0);
        EXPECT_EQ(x.in_units, 0);
        EXPECT_FALSE(x.fusable_with_next);
      }
      if (j > 0 && l.exit) {
        EXPECT_FALSE(s.layers[j - 1].fusable_with_next);
      }
      if (x.out_units == 0) {
        EXPECT_EQ(x.out_part_memory_bytes, 0);
        EXPECT_EQ(x.out_part_mults, 0);
        EXPECT_EQ(x.partial_sum_bytes, 0);
      } else {
        EXPECT_FALSE(x.weighted_op.empty());
        EXPECT_GT(x.out_part_memory_bytes, 0);
        EXPECT_GT(x.out_part_output_bytes, 0);
        EXPECT_GT(x.partial_sum_bytes, 0);
        // The in_channels part is the weighted op alone, a subset of the
        // out_channels part.
        EXPECT_LE(x.in_part_memory_bytes, x.out_part_memory_bytes);
        EXPECT_LE(x.in_part_mults, x.out_part_mults);
      }
      if (x.fusable_with_next) {
        ASSERT_LT(j + 1, s.layers.size());
        EXPECT_TRUE(x.out_channels_ok());
        EXPECT_TRUE(s.layers[j + 1].in_channels_ok());
        EXPECT_EQ(x.out_merge_mults, 0);
        EXPECT_EQ(x.out_merge_memory_bytes, 0);
        EXPECT_EQ(s.layers[j + 1].in_units % x.out_units, 0);
        // Only shape ops in between: j's part output is j+1's input.
        EXPECT_EQ(x.out_part_output_bytes, s.layers[j + 1].input_bytes);
      }
    }
  }
}

// cnn5 (bias-free). L1: conv1 3->64, 5x5, pad 2 on 28x28x3, then relu1 and a
// 2x2 max pool to 14x14: all channel-local.
//   weights 64*3*5*5*4 = 19,200 B; conv mults 64*28*28 * 3*5*5 = 3,763,200;
//   pool mults 64*14*14 * 4 = 50,176; part output 64*14*14*4 = 50,176 B;
//   partial sum = conv output 64*28*28*4 = 200,704 B; input 3*28*28*4 = 9,408 B.
// L4: fc1 3136 -> 384 (3136 = 64*7*7 from L3's flatten), then relu3.
//   weights 384*3136*4 = 4,816,896 B; mults 384*3136 = 1,204,224;
//   output 384*4 = 1,536 B; input 3136*4 = 12,544 B.
TEST(SplitProfileTest, Cnn5ConvAndFcByHand) {
  const Split s = MustSplit("cnn5");
  ASSERT_EQ(s.layers.size(), 5u);
  const LayerSplit& l1 = s.Layer("L1");
  EXPECT_EQ(l1.weighted_op, "conv1");
  EXPECT_EQ(l1.out_units, 64);
  EXPECT_EQ(l1.in_units, 3);
  EXPECT_EQ(l1.out_part_memory_bytes, 19200);
  EXPECT_EQ(l1.out_part_mults, 3763200 + 50176);
  EXPECT_EQ(l1.out_part_output_bytes, 50176);
  EXPECT_EQ(l1.out_merge_memory_bytes, 0);
  EXPECT_EQ(l1.out_merge_mults, 0);
  EXPECT_EQ(l1.in_part_memory_bytes, 19200);
  EXPECT_EQ(l1.in_part_mults, 3763200);
  EXPECT_EQ(l1.in_merge_memory_bytes, 0);
  EXPECT_EQ(l1.in_merge_mults, 50176);
  EXPECT_EQ(l1.partial_sum_bytes, 200704);
  EXPECT_EQ(l1.input_bytes, 9408);

  const LayerSplit& l4 = s.Layer("L4");
  EXPECT_EQ(l4.weighted_op, "fc1");
  EXPECT_EQ(l4.out_units, 384);
  EXPECT_EQ(l4.in_units, 3136);
  EXPECT_EQ(l4.out_part_memory_bytes, 4816896);
  EXPECT_EQ(l4.out_part_mults, 1204224);
  EXPECT_EQ(l4.out_part_output_bytes, 1536);
  EXPECT_EQ(l4.in_part_memory_bytes, 4816896);
  EXPECT_EQ(l4.partial_sum_bytes, 1536);
  EXPECT_EQ(l4.input_bytes, 12544);

  // conv1 -> conv2 (64 = 64), conv2 -> Flatten -> fc1 (3136 = 49 * 64),
  // fc1 -> fc2 (384), fc2 -> fc3 (192); the last layer has no next.
  std::vector<bool> fusable;
  for (const LayerSplit& x : s.layers) fusable.push_back(x.fusable_with_next);
  EXPECT_EQ(fusable, (std::vector<bool>{true, true, true, true, false}));
}

// LeNet-5 f5: Gemm 400 -> 120 with bias (400 = 16*5*5), then relu5.
//   weight 120*400*4 = 192,000 B, bias 120*4 = 480 B; mults 120*400 = 48,000.
//   in_channels leaves the bias to the merge unit: 192,000 + 480.
// c1 reads one input channel: in_channels does not apply.
TEST(SplitProfileTest, LeNetBiasGoesToTheMergeForInChannels) {
  const Split s = MustSplit("lenet5");
  const LayerSplit& f5 = s.Layer("f5");
  EXPECT_EQ(f5.out_units, 120);
  EXPECT_EQ(f5.in_units, 400);
  EXPECT_EQ(f5.out_part_memory_bytes, 192480);
  EXPECT_EQ(f5.out_part_mults, 48000);
  EXPECT_EQ(f5.out_part_output_bytes, 480);
  EXPECT_EQ(f5.in_part_memory_bytes, 192000);
  EXPECT_EQ(f5.in_merge_memory_bytes, 480);
  EXPECT_EQ(f5.in_part_mults, 48000);
  EXPECT_EQ(f5.in_merge_mults, 0);
  EXPECT_EQ(f5.input_bytes, 1600);
  const LayerSplit& c1 = s.Layer("c1");
  EXPECT_EQ(c1.in_units, 1);
  EXPECT_FALSE(c1.in_channels_ok());
  EXPECT_TRUE(c1.fusable_with_next);  // c3 reads c1's 6 channels
}

TEST(SplitProfileTest, GatesAreNotSplit) {
  for (const char* name : {"cnn5-gc", "cnn5-gc2", "alexnet-gc"}) {
    SCOPED_TRACE(name);
    const Split s = MustSplit(name);
    int gates = 0;
    for (size_t j = 0; j < s.layers.size(); ++j) {
      if (!s.profile.layers[j].exit) continue;
      ++gates;
      const LayerSplit& g = s.layers[j];
      EXPECT_FALSE(g.weighted_op.empty());  // named, but not split
      EXPECT_EQ(g.out_units, 0);
      EXPECT_EQ(g.in_units, 0);
      EXPECT_EQ(g.out_merge_mults, s.profile.layers[j].mults);
      EXPECT_FALSE(g.fusable_with_next);
      ASSERT_GT(j, 0u);
      EXPECT_FALSE(s.layers[j - 1].fusable_with_next);
      // The layer after the gate reads what the gate read.
      ASSERT_LT(j + 1, s.layers.size());
      EXPECT_EQ(s.layers[j + 1].input_bytes, s.profile.layers[j].output_bytes);
    }
    EXPECT_EQ(gates, std::string(name) == "cnn5-gc2" ? 2 : 1);
  }
  const Split s = MustSplit("cnn5-gc");
  EXPECT_EQ(s.Layer("GC").weighted_op, "gc_fc1");
  EXPECT_EQ(s.Layer("L3").input_bytes, 50176);
  EXPECT_TRUE(s.Layer("L3").fusable_with_next);
}

// alexnet-2class conv2: 96 -> 256 in 2 groups, 5x5, pad 2, on 27x27, then
// relu2 and a 3x3/2 max pool to 13x13.
//   weights 256*48*5*5*4 + 256*4 = 1,229,824 B;
//   mults 256*27*27 * 48*5*5 = 223,948,800 + pool 256*13*13 * 9 = 389,376;
//   part output 256*13*13*4 = 173,056 B.
TEST(SplitProfileTest, GroupedConvSplitsInWholeGroups) {
  const Split s = MustSplit("alexnet-2class");
  const LayerSplit& conv2 = s.Layer("conv2");
  EXPECT_EQ(conv2.out_units, 2);
  EXPECT_EQ(conv2.in_units, 0);
  EXPECT_EQ(conv2.out_part_memory_bytes, 1229824);
  EXPECT_EQ(conv2.out_part_mults, 223948800.0 + 389376.0);
  EXPECT_EQ(conv2.out_part_output_bytes, 173056);
  EXPECT_EQ(s.Layer("conv4").out_units, 2);
  EXPECT_EQ(s.Layer("conv3").in_units, 256);
  // conv1 and conv3 feed grouped convs: no in_channels there, no fusion.
  EXPECT_FALSE(s.Layer("conv1").fusable_with_next);
  EXPECT_FALSE(s.Layer("conv3").fusable_with_next);
  // conv5 (2 groups) -> pool5 -> flatten -> fc6 (9216 = 256*6*6 inputs).
  EXPECT_EQ(s.Layer("fc6").in_units, 9216);
  EXPECT_TRUE(s.Layer("conv5").fusable_with_next);
  EXPECT_TRUE(s.Layer("fc6").fusable_with_next);  // relu6, drop6 are channel-local
  // fc7's layer holds fc8 too: merge work, (2*4096 + 2)*4 bytes, 2*4096 mults.
  EXPECT_EQ(s.Layer("fc7").out_merge_memory_bytes, 32776);
  EXPECT_EQ(s.Layer("fc7").out_merge_mults, 8192);

  // A depthwise conv (group == channels) splits per channel, and fuses with
  // the 1x1 conv that reads it.
  const Split m = MustSplit("mobilenetv2");
  const LayerSplit& dw = m.ByWeightedOp("features.1.dw.conv");
  EXPECT_EQ(dw.out_units, 32);
  EXPECT_EQ(dw.in_units, 0);
  EXPECT_TRUE(dw.fusable_with_next);
  EXPECT_EQ(m.ByWeightedOp("features.1.project.conv").in_units, 32);
}

// AlexNet's LRN mixes neighbouring channels: it and the pool after it are merge
// work, so conv1 only sends relu1's output (96*55*55*4 B) and cannot fuse.
//   norm1 96*55*55 * 5 = 1,452,000 mults, pool1 96*27*27 * 9 = 629,856.
TEST(SplitProfileTest, LrnIsMergeWork) {
  const Split s = MustSplit("alexnet");
  const LayerSplit& conv1 = s.Layer("conv1");
  EXPECT_EQ(conv1.out_units, 96);
  EXPECT_EQ(conv1.out_part_output_bytes, 1161600);
  EXPECT_EQ(conv1.out_merge_mults, 1452000.0 + 629856.0);
  EXPECT_FALSE(conv1.fusable_with_next);
  EXPECT_FALSE(s.Layer("conv2").fusable_with_next);
}

// A residual block splits by output channels (its merge unit, a part, holds
// the whole input for the shortcut) but not by input channels: the shortcut
// reads the whole input, which in_channels only sends in slices.
TEST(SplitProfileTest, ResidualBlocks) {
  const Split s = MustSplit("resnet18");
  const LayerSplit& stem = s.Layer("conv1");
  EXPECT_EQ(stem.out_units, 64);
  EXPECT_EQ(stem.out_merge_mults, 0);  // bn1, relu, maxpool are channel-local
  EXPECT_FALSE(stem.fusable_with_next);
  // A block's shortcut Add reads the block's input, which neither a merge
  // unit (it has only the gathered blocks) nor an input slice holds: no kind
  // applies, and the whole block is merge work.
  const LayerSplit& block = s.Layer("layer1.0.conv1");
  EXPECT_EQ(block.weighted_op, "layer1.0.conv1");
  EXPECT_EQ(block.out_units, 0);
  EXPECT_EQ(block.in_units, 0);
  EXPECT_EQ(block.out_part_memory_bytes, 0);
  EXPECT_EQ(block.out_merge_mults, s.profile.layers[1].mults);
  EXPECT_EQ(s.Layer("fc").in_units, 512);
}

// A small graph built by hand.
class GraphMaker {
 public:
  explicit GraphMaker(Shape input) {
    g_.name = "hand";
    g_.inputs.push_back({"x", DataType::kFloat32, std::move(input)});
  }
  std::string Const(const std::string& name, Shape shape) {
    Initializer i;
    i.info = {name, DataType::kFloat32, std::move(shape)};
    i.seed = 7;
    i.scale = 0.1f;
    g_.initializers.push_back(i);
    return name;
  }
  std::string Op(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                 std::map<std::string, Attribute> attrs = {}) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {name};
    n.attrs = std::move(attrs);
    g_.nodes.push_back(std::move(n));
    return name;
  }
  Graph Finish(const std::string& output) {
    g_.outputs.push_back({output, DataType::kFloat32, {}});
    const Status st = InferShapes(&g_);
    EXPECT_TRUE(st.ok()) << st.message();
    return g_;
  }

 private:
  Graph g_;
};

// MatMul by a constant, a per-feature bias Add: channel-local; fuses with the
// next MatMul (4 features in).
TEST(SplitProfileTest, MatMulWithBias) {
  GraphMaker b({1, 8});
  std::string y = b.Op("MatMul", "mm1", {"x", b.Const("w1", {8, 4})});
  y = b.Op("Relu", "relu", {b.Op("Add", "bias", {y, b.Const("b1", {4})})});
  const Graph g = b.Finish(b.Op("MatMul", "mm2", {y, b.Const("w2", {4, 3})}));
  const Split s = MustSplit(g);
  ASSERT_EQ(s.layers.size(), 2u);
  EXPECT_EQ(s.layers[0].out_units, 4);
  EXPECT_EQ(s.layers[0].in_units, 8);
  EXPECT_EQ(s.layers[0].out_part_memory_bytes, (32 + 4) * 4);
  EXPECT_EQ(s.layers[0].in_part_memory_bytes, 32 * 4);
  EXPECT_EQ(s.layers[0].out_merge_memory_bytes, 0);
  EXPECT_TRUE(s.layers[0].fusable_with_next);
  EXPECT_EQ(s.layers[1].out_units, 3);
  EXPECT_EQ(s.layers[1].in_units, 4);
}

// A bias per channel is channel-local; a constant that varies along the width
// is not, and ends the run (the Relu after it is merge work too).
TEST(SplitProfileTest, OnlyPerChannelConstantsAreChannelLocal) {
  GraphMaker b({1, 2, 5, 5});
  std::string y = b.Op("Conv", "conv", {"x", b.Const("w", {4, 2, 3, 3})});  // -> [1,4,3,3]
  y = b.Op("Add", "add", {b.Const("c", {4, 1, 1}), y});
  y = b.Op("Mul", "mul", {y, b.Const("d", {3})});
  y = b.Op("Relu", "relu", {y});
  const Graph g = b.Finish(b.Op("Conv", "conv2", {y, b.Const("w2", {6, 4, 1, 1})}));
  const Split s = MustSplit(g);
  ASSERT_EQ(s.layers.size(), 2u);
  const LayerSplit& l = s.layers[0];
  EXPECT_EQ(l.out_part_memory_bytes, (72 + 4) * 4);
  EXPECT_EQ(l.out_part_output_bytes, 36 * 4);
  EXPECT_EQ(l.out_merge_memory_bytes, 3 * 4);
  EXPECT_EQ(l.out_merge_mults, 36);  // mul
  EXPECT_FALSE(l.fusable_with_next);
}

// Shape ops before the weighted op are free; anything else makes the layer
// unsplittable (all of it is then merge work).
TEST(SplitProfileTest, OpsBeforeTheWeightedOp) {
  GraphMaker a({1, 2, 3, 3});
  std::string y = a.Op("Flatten", "flat", {"x"}, {{"axis", Attribute::Int(1)}});
  y = a.Op("Gemm", "fc", {y, a.Const("w", {5, 18})}, {{"transB", Attribute::Int(1)}});
  const Split sa = MustSplit(a.Finish(y));
  ASSERT_EQ(sa.layers.size(), 1u);
  EXPECT_EQ(sa.layers[0].weighted_op, "fc");
  EXPECT_EQ(sa.layers[0].out_units, 5);
  EXPECT_EQ(sa.layers[0].in_units, 18);
  EXPECT_EQ(sa.layers[0].input_bytes, 72);

  GraphMaker b({1, 2, 5, 5});
  y = b.Op("Relu", "pre", {"x"});
  const Graph g = b.Finish(b.Op("Conv", "conv", {y, b.Const("w", {4, 2, 3, 3})}));
  const Split sb = MustSplit(g);
  ASSERT_EQ(sb.layers.size(), 1u);
  const LayerSplit& l = sb.layers[0];
  EXPECT_EQ(l.weighted_op, "conv");
  EXPECT_EQ(l.out_units, 0);
  EXPECT_EQ(l.in_units, 0);
  EXPECT_EQ(l.out_part_memory_bytes, 0);
  EXPECT_EQ(l.out_merge_memory_bytes, 72 * 4);
  EXPECT_EQ(l.in_merge_mults, sb.profile.layers[0].mults);
  EXPECT_EQ(l.input_bytes, 200);
}

TEST(SplitProfileTest, ProfileOfAnotherGraphIsAnError) {
  const Split cnn5 = MustSplit("cnn5");
  Result<Graph> lenet = BuildZooModel("lenet5");
  ASSERT_TRUE(lenet.ok());
  Result<std::vector<LayerSplit>> r = ProfileLayerSplits(*lenet, cnn5.profile);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("layer 'L1'"), std::string::npos) << r.status().message();

  Result<Graph> g = BuildZooModel("cnn5");
  ASSERT_TRUE(g.ok());
  ModelProfile p = cnn5.profile;
  p.ops[p.layers[2].ops[0]].weight_bytes += 4;
  r = ProfileLayerSplits(*g, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("layer 'L4'"), std::string::npos) << r.status().message();
  p = cnn5.profile;
  p.layers[1].ops.push_back(999);
  r = ProfileLayerSplits(*g, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("layer 'L3': op index 999"), std::string::npos)
      << r.status().message();
}

}  // namespace

// AlexNet's conv1: Conv 11x11 stride 4, no padding (227 -> 55 rows), Relu,
// LRN, MaxPool 3 stride 2 (55 -> 27). Its spatial stack is conv1..conv4:
// conv5 ends in a Flatten, which keeps no rows.
TEST(SplitProfileTest, AlexNetSpatialStack) {
  const Split s = MustSplit("alexnet");
  std::vector<bool> spatial;
  for (const LayerSplit& x : s.layers) spatial.push_back(x.spatial_ok());
  EXPECT_EQ(spatial, (std::vector<bool>{true, true, true, true, false, false, false, false}));
  const LayerSplit& c1 = s.Layer("conv1");
  ASSERT_EQ(c1.row_ops.size(), 4u);
  EXPECT_EQ(c1.row_ops[0], (RowWindow{11, 4, 0, 227, 55, c1.row_ops[0].mults_per_row}));
  EXPECT_EQ(c1.row_ops[2].kernel, 1);  // LRN mixes channels, not rows
  EXPECT_EQ(c1.row_ops[3], (RowWindow{3, 2, 0, 55, 27, c1.row_ops[3].mults_per_row}));
  EXPECT_EQ(c1.input_row_bytes, 3 * 227 * 4);
  EXPECT_EQ(c1.output_row_bytes, 96 * 27 * 4);
  for (size_t j = 0; j < 4; ++j) {  // the whole band costs the whole layer
    double mults = 0;
    for (const RowWindow& w : s.layers[j].row_ops) {
      mults += w.mults_per_row * static_cast<double>(w.out_rows);
    }
    EXPECT_NEAR(mults, s.profile.layers[j].mults, 1e-9 * mults) << j;
  }
}

// Pool rows 0..13 need conv rows 0..28 (2 x 13 + 3 = 29 rows), which need
// input rows 0..(28 x 4 + 11) = 123; pool rows 14..26 need conv rows 28..54
// and input rows 112..226: rows 112..122 are read by both bands.
TEST(SplitProfileTest, BandRowsCarryTheHalo) {
  const Split s = MustSplit("alexnet");
  const std::vector<RowWindow>& ops = s.Layer("conv1").row_ops;
  const std::vector<RowRange> top = BandRows(ops, {0, 14});
  EXPECT_EQ(top[3], (RowRange{0, 29}));
  EXPECT_EQ(top[0], (RowRange{0, 123}));
  const std::vector<RowRange> bottom = BandRows(ops, {14, 27});
  EXPECT_EQ(bottom[3], (RowRange{28, 55}));
  EXPECT_EQ(bottom[0], (RowRange{112, 227}));
  const double whole = BandMults(ops, BandRows(ops, {0, 27}));
  EXPECT_NEAR(whole, s.profile.layers[0].mults, 1e-9 * whole);
  // The overlap is recomputed: the bands cost more than the whole.
  EXPECT_GT(BandMults(ops, top) + BandMults(ops, bottom), whole);
}

// A 3x3 conv with one row of padding on 10 rows, cut in two bands: each keeps
// the padding at the image's edge and reads one real row across the cut.
TEST(SplitProfileTest, PadsForBandKeepOnlyTheImageEdges) {
  const RowWindow conv{3, 1, 1, 10, 10, 1.0};
  const std::vector<RowRange> top = BandRows({conv}, {0, 5});
  EXPECT_EQ(top[0], (RowRange{0, 6}));
  const BandPads pt = PadsForBand(conv, top[0], top[1]);
  EXPECT_EQ(pt.top, 1);
  EXPECT_EQ(pt.bottom, 0);
  const std::vector<RowRange> bottom = BandRows({conv}, {5, 10});
  EXPECT_EQ(bottom[0], (RowRange{4, 10}));
  const BandPads pb = PadsForBand(conv, bottom[0], bottom[1]);
  EXPECT_EQ(pb.top, 0);
  EXPECT_EQ(pb.bottom, 1);
}

TEST(SplitProfileTest, GatesAndResidualsEndTheStack) {
  const Split r = MustSplit("resnet18");
  ASSERT_GE(r.layers.size(), 2u);
  EXPECT_TRUE(r.layers[0].spatial_ok());
  EXPECT_FALSE(r.layers[1].spatial_ok());  // a residual Add reads two activations
}

}  // namespace distcnn
