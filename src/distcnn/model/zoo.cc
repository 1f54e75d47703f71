#include "distcnn/model/zoo.h"

#include <cmath>
#include <functional>

namespace distcnn {

namespace {

// Builds a graph node by node, inferring shapes as it goes. Builder misuse is a
// bug in this file, hence CHECKs.
class Builder {
 public:
  Builder(std::string name, uint64_t seed) : seed_(seed) { g_.name = std::move(name); }

  std::string Input(const std::string& name, Shape shape) {
    TensorInfo t{name, DataType::kFloat32, std::move(shape)};
    g_.inputs.push_back(t);
    tensors_[name] = t;
    return name;
  }

  // Nodes added after this call belong to the placeable layer `name` ("" for
  // automatic grouping).
  void SetLayer(std::string name) { layer_ = std::move(name); }

  std::string Conv(const std::string& name, const std::string& x, int64_t out_ch, int64_t k,
                   int64_t stride, int64_t pad, int64_t group = 1, bool bias = true) {
    const int64_t in_ch = ShapeOf(x)[1];
    const int64_t fan_in = in_ch / group * k * k;
    std::vector<std::string> inputs = {
        x, Weight(name + ".weight", {out_ch, in_ch / group, k, k}, fan_in)};
    if (bias) inputs.push_back(Weight(name + ".bias", {out_ch}, fan_in));
    std::map<std::string, Attribute> attrs = {{"kernel_shape", Attribute::Ints({k, k})},
                                              {"strides", Attribute::Ints({stride, stride})},
                                              {"pads", Attribute::Ints({pad, pad, pad, pad})}};
    if (group != 1) attrs["group"] = Attribute::Int(group);
    return Op("Conv", name, inputs, attrs);
  }

  // Fully connected: x [N, in] times W [out, in] transposed, plus bias.
  std::string Fc(const std::string& name, const std::string& x, int64_t out, bool bias = true) {
    const int64_t in = ShapeOf(x)[1];
    std::vector<std::string> inputs = {x, Weight(name + ".weight", {out, in}, in)};
    if (bias) inputs.push_back(Weight(name + ".bias", {out}, in));
    return Op("Gemm", name, inputs, {{"transB", Attribute::Int(1)}});
  }

  std::string BatchNorm(const std::string& name, const std::string& x) {
    const int64_t c = ShapeOf(x)[1];
    const std::string mean = Weight(name + ".running_mean", {c}, 100);
    Initializer var;
    var.info = TensorInfo{name + ".running_var", DataType::kFloat32, {c}};
    var.floats.assign(static_cast<size_t>(c), 1.0f);
    g_.initializers.push_back(var);
    tensors_[var.info.name] = var.info;
    return Op("BatchNormalization", name,
              {x, Weight(name + ".weight", {c}, 1), Weight(name + ".bias", {c}, 100), mean,
               var.info.name},
              {{"epsilon", Attribute::Float(1e-5f)}});
  }

  std::string Relu(const std::string& name, const std::string& x) { return Op("Relu", name, {x}); }
  std::string Relu6(const std::string& name, const std::string& x) {
    return Op("Clip", name, {x}, {{"min", Attribute::Float(0)}, {"max", Attribute::Float(6)}});
  }
  std::string Pool(const std::string& op, const std::string& name, const std::string& x, int64_t k,
                   int64_t s, int64_t pad = 0) {
    return Op(op, name, {x},
              {{"kernel_shape", Attribute::Ints({k, k})},
               {"strides", Attribute::Ints({s, s})},
               {"pads", Attribute::Ints({pad, pad, pad, pad})}});
  }
  std::string MaxPool(const std::string& name, const std::string& x, int64_t k, int64_t s,
                      int64_t pad = 0) {
    return Pool("MaxPool", name, x, k, s, pad);
  }
  std::string Flatten(const std::string& name, const std::string& x) {
    return Op("Flatten", name, {x}, {{"axis", Attribute::Int(1)}});
  }
  std::string Dropout(const std::string& name, const std::string& x) {
    return Op("Dropout", name, {x}, {{"ratio", Attribute::Float(0.5f)}});
  }

  std::string Op(const std::string& op_type, const std::string& name,
                 std::vector<std::string> inputs, std::map<std::string, Attribute> attrs = {}) {
    Node n;
    n.name = name;
    n.op_type = op_type;
    n.inputs = std::move(inputs);
    n.outputs = {name};
    n.attrs = std::move(attrs);
    n.layer = layer_;
    const Status s = InferNodeOutputs(n, &tensors_);
    if (!s.ok()) std::fprintf(stderr, "zoo %s: %s\n", g_.name.c_str(), s.message().c_str());
    DISTCNN_CHECK(s.ok());
    g_.nodes.push_back(std::move(n));
    return name;
  }

  void Output(const std::string& x) { g_.outputs.push_back(tensors_.at(x)); }

  Graph Finish() {
    const Status s = InferShapes(&g_);
    DISTCNN_CHECK(s.ok());
    return std::move(g_);
  }

  const Shape& ShapeOf(const std::string& x) const { return tensors_.at(x).shape; }

 private:
  // A seeded uniform tensor in +-1/sqrt(fan_in) (PyTorch's default range).
  std::string Weight(const std::string& name, Shape shape, int64_t fan_in) {
    Initializer init;
    init.info = TensorInfo{name, DataType::kFloat32, std::move(shape)};
    init.seed = seed_ * 0x9e3779b97f4a7c15ULL + (++counter_);
    init.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
    tensors_[name] = init.info;
    g_.initializers.push_back(std::move(init));
    return name;
  }

  Graph g_;
  std::map<std::string, TensorInfo> tensors_;
  uint64_t seed_;
  uint64_t counter_ = 0;
  std::string layer_;
};

// Paper Table 1: the 5-layer CNN (bias-free) and its 6-layer GC variant;
// `second_gate` adds a test variant's second exit, GC2, after L3.
Graph Cnn5(bool gate, uint64_t seed, bool second_gate = false) {
  Builder b(second_gate ? "cnn5-gc2" : gate ? "cnn5-gc" : "cnn5", seed);
  std::string x = b.Input("input", {1, 3, 28, 28});
  b.SetLayer("L1");
  x = b.Conv("conv1", x, 64, 5, 1, 2, 1, false);
  x = b.Relu("relu1", x);
  x = b.MaxPool("pool1", x, 2, 2);
  std::string exit;
  if (gate) {
    b.SetLayer("GC");
    std::string y = b.Flatten("gc_flatten", x);
    y = b.Relu("gc_relu1", b.Fc("gc_fc1", y, 384, false));
    y = b.Relu("gc_relu2", b.Fc("gc_fc2", y, 192, false));
    exit = b.Fc("gc_fc3", y, 10, false);
  }
  b.SetLayer("L3");
  x = b.Conv("conv2", x, 64, 5, 1, 2, 1, false);
  x = b.Relu("relu2", x);
  x = b.MaxPool("pool2", x, 2, 2);
  x = b.Flatten("flatten", x);
  std::string second_exit;
  if (second_gate) {
    b.SetLayer("GC2");
    second_exit = b.Fc("gc2_fc2", b.Relu("gc2_relu1", b.Fc("gc2_fc1", x, 64, false)), 10, false);
  }
  b.SetLayer("L4");
  x = b.Relu("relu3", b.Fc("fc1", x, 384, false));
  b.SetLayer("L5");
  x = b.Relu("relu4", b.Fc("fc2", x, 192, false));
  b.SetLayer("L6");
  x = b.Fc("fc3", x, 10, false);
  b.Output(x);
  if (gate) b.Output(exit);
  if (second_gate) b.Output(second_exit);
  return b.Finish();
}

// AlexNet with the original two-GPU grouping (conv2, conv4, conv5 in 2 groups),
// 227x227 input. `paper`: Table 2's variant (no LRN, layers named as there, fc7
// and fc8 in one layer); `gate`: its GC variant with gc1 after conv2.
Graph AlexNet(int64_t classes, bool paper, bool gate, const std::string& name, uint64_t seed) {
  Builder b(name, seed);
  auto layer = [&](const char* l) {
    if (paper) b.SetLayer(l);
  };
  std::string x = b.Input("input", {1, 3, 227, 227});
  layer("conv1");
  x = b.Relu("relu1", b.Conv("conv1", x, 96, 11, 4, 0));
  if (!paper) {
    x = b.Op("LRN", "norm1", {x},
             {{"size", Attribute::Int(5)},
              {"alpha", Attribute::Float(1e-4f)},
              {"beta", Attribute::Float(0.75f)},
              {"bias", Attribute::Float(1.0f)}});
  }
  x = b.MaxPool("pool1", x, 3, 2);
  layer("conv2");
  x = b.Relu("relu2", b.Conv("conv2", x, 256, 5, 1, 2, 2));
  if (!paper) {
    x = b.Op("LRN", "norm2", {x},
             {{"size", Attribute::Int(5)},
              {"alpha", Attribute::Float(1e-4f)},
              {"beta", Attribute::Float(0.75f)},
              {"bias", Attribute::Float(1.0f)}});
  }
  x = b.MaxPool("pool2", x, 3, 2);
  std::string exit;
  if (gate) {
    layer("gc1");
    std::string y = b.Flatten("gc1_flatten", x);
    y = b.Relu("gc1_relu1", b.Fc("gc1_fc1", y, 128));
    y = b.Relu("gc1_relu2", b.Fc("gc1_fc2", y, 64));
    exit = b.Fc("gc1_fc3", y, 2);
  }
  layer("conv3");
  x = b.Relu("relu3", b.Conv("conv3", x, 384, 3, 1, 1));
  layer("conv4");
  x = b.Relu("relu4", b.Conv("conv4", x, 384, 3, 1, 1, 2));
  layer("conv5");
  x = b.Relu("relu5", b.Conv("conv5", x, 256, 3, 1, 1, 2));
  x = b.MaxPool("pool5", x, 3, 2);
  x = b.Flatten("flatten", x);
  layer("fc6");
  x = b.Dropout("drop6", b.Relu("relu6", b.Fc("fc6", x, 4096)));
  layer("fc7");
  x = b.Dropout("drop7", b.Relu("relu7", b.Fc("fc7", x, 4096)));
  x = b.Fc("fc8", x, classes);
  b.Output(x);
  if (gate) b.Output(exit);
  return b.Finish();
}

Graph Vgg16(uint64_t seed) {
  Builder b("vgg16", seed);
  std::string x = b.Input("input", {1, 3, 224, 224});
  const int64_t stages[5][2] = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
  for (int s = 0; s < 5; ++s) {
    for (int i = 1; i <= stages[s][1]; ++i) {
      const std::string id = std::to_string(s + 1) + "_" + std::to_string(i);
      x = b.Relu("relu" + id, b.Conv("conv" + id, x, stages[s][0], 3, 1, 1));
    }
    x = b.MaxPool("pool" + std::to_string(s + 1), x, 2, 2);
  }
  x = b.Flatten("flatten", x);
  x = b.Dropout("drop6", b.Relu("relu6", b.Fc("fc6", x, 4096)));
  x = b.Dropout("drop7", b.Relu("relu7", b.Fc("fc7", x, 4096)));
  b.Output(b.Fc("fc8", x, 1000));
  return b.Finish();
}

// ResNet v1.5 as in torchvision (stride on the 3x3 convolution).
Graph ResNet(const std::string& name, bool bottleneck, const std::vector<int>& blocks,
             uint64_t seed) {
  Builder b(name, seed);
  std::string x = b.Input("input", {1, 3, 224, 224});
  x = b.Relu("relu", b.BatchNorm("bn1", b.Conv("conv1", x, 64, 7, 2, 3, 1, false)));
  x = b.MaxPool("maxpool", x, 3, 2, 1);
  const int64_t expansion = bottleneck ? 4 : 1;
  int64_t in_ch = 64;
  for (size_t stage = 0; stage < blocks.size(); ++stage) {
    const int64_t planes = 64 << stage;
    for (int i = 0; i < blocks[stage]; ++i) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(i) + ".";
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      std::string y = x;
      if (bottleneck) {
        y = b.Relu(p + "relu1",
                   b.BatchNorm(p + "bn1", b.Conv(p + "conv1", y, planes, 1, 1, 0, 1, false)));
        y = b.Relu(p + "relu2",
                   b.BatchNorm(p + "bn2", b.Conv(p + "conv2", y, planes, 3, stride, 1, 1, false)));
        y = b.BatchNorm(p + "bn3", b.Conv(p + "conv3", y, planes * 4, 1, 1, 0, 1, false));
      } else {
        y = b.Relu(p + "relu1",
                   b.BatchNorm(p + "bn1", b.Conv(p + "conv1", y, planes, 3, stride, 1, 1, false)));
        y = b.BatchNorm(p + "bn2", b.Conv(p + "conv2", y, planes, 3, 1, 1, 1, false));
      }
      std::string shortcut = x;
      if (stride != 1 || in_ch != planes * expansion) {
        shortcut = b.BatchNorm(p + "downsample.1", b.Conv(p + "downsample.0", x, planes * expansion,
                                                          1, stride, 0, 1, false));
      }
      x = b.Relu(p + "relu", b.Op("Add", p + "add", {y, shortcut}));
      in_ch = planes * expansion;
    }
  }
  x = b.Flatten("flatten", b.Op("GlobalAveragePool", "avgpool", {x}));
  b.Output(b.Fc("fc", x, 1000));
  return b.Finish();
}

Graph MobileNetV2(uint64_t seed) {
  Builder b("mobilenetv2", seed);
  std::string x = b.Input("input", {1, 3, 224, 224});
  auto conv_bn = [&](const std::string& p, const std::string& in, int64_t out, int64_t k, int64_t s,
                     int64_t group, bool relu6) {
    std::string y =
        b.BatchNorm(p + ".bn", b.Conv(p + ".conv", in, out, k, s, (k - 1) / 2, group, false));
    return relu6 ? b.Relu6(p + ".relu6", y) : y;
  };
  x = conv_bn("features.0", x, 32, 3, 2, 1, true);
  const int64_t settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int64_t in_ch = 32;
  int index = 1;
  for (const auto& st : settings) {
    for (int64_t i = 0; i < st[2]; ++i, ++index) {
      const std::string p = "features." + std::to_string(index);
      const int64_t stride = i == 0 ? st[3] : 1;
      const int64_t hidden = in_ch * st[0];
      std::string y = x;
      if (st[0] != 1) y = conv_bn(p + ".expand", y, hidden, 1, 1, 1, true);
      y = conv_bn(p + ".dw", y, hidden, 3, stride, hidden, true);
      y = conv_bn(p + ".project", y, st[1], 1, 1, 1, false);
      if (stride == 1 && in_ch == st[1]) y = b.Op("Add", p + ".add", {x, y});
      x = y;
      in_ch = st[1];
    }
  }
  x = conv_bn("features.18", x, 1280, 1, 1, 1, true);
  x = b.Flatten("flatten", b.Op("GlobalAveragePool", "avgpool", {x}));
  x = b.Op("Dropout", "dropout", {x}, {{"ratio", Attribute::Float(0.2f)}});
  b.Output(b.Fc("classifier", x, 1000));
  return b.Finish();
}

// LeNet-5 with full C3 connectivity, ReLU and average pooling, 32x32 grey input.
Graph LeNet5(uint64_t seed) {
  Builder b("lenet5", seed);
  std::string x = b.Input("input", {1, 1, 32, 32});
  x = b.Pool("AveragePool", "s2", b.Relu("relu1", b.Conv("c1", x, 6, 5, 1, 0)), 2, 2);
  x = b.Pool("AveragePool", "s4", b.Relu("relu3", b.Conv("c3", x, 16, 5, 1, 0)), 2, 2);
  x = b.Flatten("flatten", x);
  x = b.Relu("relu5", b.Fc("f5", x, 120));
  x = b.Relu("relu6", b.Fc("f6", x, 84));
  b.Output(b.Fc("output", x, 10));
  return b.Finish();
}

struct ZooModel {
  ZooEntry entry;
  std::function<Graph(uint64_t)> build;
};

const std::vector<ZooModel>& Models() {
  static const std::vector<ZooModel> kModels = {
      {{"cnn5", "paper Table 1: 5-layer CNN, 28x28x3, bias-free", 1387072},
       [](uint64_t s) { return Cnn5(false, s); }},
      {{"cnn5-gc", "paper Table 1: 6-layer gate-classification CNN (exit GC after L1)", 6279616},
       [](uint64_t s) { return Cnn5(true, s); }},
      {{"cnn5-gc2", "test model: cnn5-gc with a second gate GC2 after L3 (two early exits)",
        6480960},
       [](uint64_t s) { return Cnn5(true, s, true); }},
      {{"alexnet", "AlexNet (Krizhevsky 2012), 2 groups, LRN, 1000 classes, 227x227x3", 60965224},
       [](uint64_t s) { return AlexNet(1000, false, false, "alexnet", s); }},
      {{"alexnet-2class", "paper Table 2: AlexNet, 2 classes, no LRN, 227x227x3", 56876418},
       [](uint64_t s) { return AlexNet(2, true, false, "alexnet-2class", s); }},
      {{"alexnet-gc", "paper Table 2: GC AlexNet (exit gc1 after conv2), 2 classes", 62422724},
       [](uint64_t s) { return AlexNet(2, true, true, "alexnet-gc", s); }},
      {{"vgg16", "VGG-16 (Simonyan and Zisserman), 224x224x3, 1000 classes", 138357544},
       [](uint64_t s) { return Vgg16(s); }},
      {{"resnet18", "ResNet-18 (He et al.; torchvision), 224x224x3", 11689512},
       [](uint64_t s) {
         return ResNet("resnet18", false, {2, 2, 2, 2}, s);
       }},
      {{"resnet50", "ResNet-50 v1.5 (torchvision), 224x224x3", 25557032},
       [](uint64_t s) {
         return ResNet("resnet50", true, {3, 4, 6, 3}, s);
       }},
      {{"resnet101", "ResNet-101 v1.5 (torchvision), 224x224x3", 44549160},
       [](uint64_t s) {
         return ResNet("resnet101", true, {3, 4, 23, 3}, s);
       }},
      {{"mobilenetv2", "MobileNetV2 1.0 (Sandler et al.; torchvision), 224x224x3", 3504872},
       [](uint64_t s) { return MobileNetV2(s); }},
      {{"lenet5", "LeNet-5 (LeCun 1998, full C3), ReLU, 32x32x1", 61706},
       [](uint64_t s) { return LeNet5(s); }},
  };
  return kModels;
}

}  // namespace

const std::vector<ZooEntry>& ZooEntries() {
  static const std::vector<ZooEntry> kEntries = [] {
    std::vector<ZooEntry> v;
    for (const ZooModel& m : Models()) v.push_back(m.entry);
    return v;
  }();
  return kEntries;
}

Result<Graph> BuildZooModel(std::string_view name, uint64_t seed) {
  std::string known;
  for (const ZooModel& m : Models()) {
    if (m.entry.name == name) return m.build(seed);
    known += (known.empty() ? "" : ", ") + m.entry.name;
  }
  return Status(StatusCode::kNotFound,
                "unknown zoo model '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace distcnn
