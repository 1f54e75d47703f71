// Hand-computed cases for each reference kernel (values worked out on paper).
#include <gtest/gtest.h>

#include <cmath>

#include "distcnn/kernels/registry.h"
#include "distcnn/kernels/test_node.h"

namespace distcnn {
namespace {

using kernel_testing::MakeNode;

std::vector<Tensor> Eval(const Node& node, const std::vector<Tensor>& inputs) {
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) ptrs.push_back(&t);
  Result<std::vector<Tensor>> out = RunNode(ReferenceKernels(), node, ptrs);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : std::vector<Tensor>{};
}

Tensor Iota(Shape shape, float start = 0) {
  Tensor t(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = start + static_cast<float>(i);
  return t;
}

void ExpectTensor(const Tensor& t, const Shape& shape, const std::vector<float>& values) {
  EXPECT_EQ(t.shape, shape);
  ASSERT_EQ(t.data.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(t.data[i], values[i], 1e-5) << "at " << i;
}

using A = Attribute;

TEST(ReferenceKernelsTest, RegistersEverySupportedOp) {
  for (const std::string& op : SupportedOps()) {
    if (op == "Constant") continue;
    EXPECT_NE(ReferenceKernels().Find(op), nullptr) << op;
  }
}

TEST(ReferenceKernelsTest, ConvPaddedStrided) {
  // x[h][w] = 4h + w; 3x3 ones, pad 1, stride 2, bias 1.
  Node n = MakeNode("Conv", 3, {{"pads", A::Ints({1, 1, 1, 1})}, {"strides", A::Ints({2, 2})}});
  Tensor w({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  auto y = Eval(n, {Iota({1, 1, 4, 4}), w, Tensor({1}, {1.0f})});
  ExpectTensor(y[0], {1, 1, 2, 2}, {11, 25, 52, 91});
}

TEST(ReferenceKernelsTest, ConvGroupedAndDepthwise) {
  Tensor x({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto y = Eval(MakeNode("Conv", 2, {{"group", A::Int(2)}}), {x, Tensor({2, 1, 1, 1}, {2, 3})});
  ExpectTensor(y[0], {1, 2, 2, 2}, {2, 4, 6, 8, 15, 18, 21, 24});
  // Depthwise with multiplier 2: outputs 0,1 read channel 0; 2,3 read channel 1.
  y = Eval(MakeNode("Conv", 2, {{"group", A::Int(2)}}), {x, Tensor({4, 1, 1, 1}, {1, 2, 3, 4})});
  ExpectTensor(y[0], {1, 4, 2, 2}, {1, 2, 3, 4, 2, 4, 6, 8, 15, 18, 21, 24, 20, 24, 28, 32});
}

TEST(ReferenceKernelsTest, ConvDilatedAndOneDimensionalSame) {
  auto y = Eval(MakeNode("Conv", 2, {{"dilations", A::Ints({2, 2})}}),
                {Iota({1, 1, 5, 5}), Tensor({1, 1, 2, 2}, {1, 1, 1, 1})});
  // out(i,j) = x(i,j) + x(i,j+2) + x(i+2,j) + x(i+2,j+2) = 4*(5i+j) + 24.
  ExpectTensor(y[0], {1, 1, 3, 3}, {24, 28, 32, 44, 48, 52, 64, 68, 72});
  y = Eval(MakeNode("Conv", 2, {{"auto_pad", A::String("SAME_UPPER")}}),
           {Iota({1, 1, 5}, 1), Tensor({1, 1, 3}, {1, 1, 1})});
  ExpectTensor(y[0], {1, 1, 5}, {3, 6, 9, 12, 9});
}

TEST(ReferenceKernelsTest, MaxPoolPaddedWithIndices) {
  Node n = MakeNode("MaxPool", 1,
                    {{"kernel_shape", A::Ints({2, 2})},
                     {"pads", A::Ints({1, 1, 1, 1})},
                     {"strides", A::Ints({2, 2})}},
                    2);
  auto y = Eval(n, {Iota({1, 1, 3, 3}, 1)});
  ExpectTensor(y[0], {1, 1, 2, 2}, {1, 3, 7, 9});
  ExpectTensor(y[1], {1, 1, 2, 2}, {0, 2, 6, 8});
}

TEST(ReferenceKernelsTest, AveragePoolCountIncludePad) {
  std::map<std::string, Attribute> attrs = {{"kernel_shape", A::Ints({2, 2})},
                                            {"pads", A::Ints({1, 1, 1, 1})},
                                            {"strides", A::Ints({2, 2})}};
  auto y = Eval(MakeNode("AveragePool", 1, attrs), {Iota({1, 1, 3, 3}, 1)});
  ExpectTensor(y[0], {1, 1, 2, 2}, {1, 2.5, 5.5, 7});
  attrs["count_include_pad"] = A::Int(1);
  y = Eval(MakeNode("AveragePool", 1, attrs), {Iota({1, 1, 3, 3}, 1)});
  ExpectTensor(y[0], {1, 1, 2, 2}, {0.25, 1.25, 2.75, 7});
  y = Eval(MakeNode("GlobalAveragePool", 1), {Iota({1, 2, 2, 2})});
  ExpectTensor(y[0], {1, 2, 1, 1}, {1.5, 5.5});
}

TEST(ReferenceKernelsTest, GemmTransBAlphaBeta) {
  Node n = MakeNode("Gemm", 3,
                    {{"transB", A::Int(1)}, {"alpha", A::Float(2.0f)}, {"beta", A::Float(0.5f)}});
  auto y = Eval(n, {Tensor({2, 3}, {1, 2, 3, 4, 5, 6}), Tensor({2, 3}, {1, 0, 1, 0, 1, 0}),
                    Tensor({2}, {1, 2})});
  ExpectTensor(y[0], {2, 2}, {8.5, 5, 20.5, 11});
  y = Eval(MakeNode("Gemm", 2, {{"transA", A::Int(1)}}),
           {Tensor({2, 1}, {1, 2}), Tensor({2, 2}, {1, 2, 3, 4})});
  ExpectTensor(y[0], {1, 2}, {7, 10});
}

TEST(ReferenceKernelsTest, MatMulBroadcastBatch) {
  // [2,2,2] x [2,1]: each batch matrix times the column (1, 1).
  auto y = Eval(MakeNode("MatMul", 2), {Iota({2, 2, 2}), Tensor({2, 1}, {1, 1})});
  ExpectTensor(y[0], {2, 2, 1}, {1, 5, 9, 13});
  y = Eval(MakeNode("MatMul", 2), {Tensor({2}, {1, 2}), Tensor({2}, {3, 4})});
  ExpectTensor(y[0], {}, {11});
}

TEST(ReferenceKernelsTest, LrnAcrossChannels) {
  Node n = MakeNode("LRN", 1,
                    {{"size", A::Int(3)},
                     {"alpha", A::Float(3.0f)},
                     {"beta", A::Float(1.0f)},
                     {"bias", A::Float(1.0f)}});
  auto y = Eval(n, {Tensor({1, 3, 1, 1}, {1, 2, 3})});
  ExpectTensor(y[0], {1, 3, 1, 1}, {1.0f / 6, 2.0f / 15, 3.0f / 14});
}

TEST(ReferenceKernelsTest, BroadcastAddMul) {
  auto y = Eval(MakeNode("Add", 2), {Iota({2, 3}), Tensor({3}, {10, 20, 30})});
  ExpectTensor(y[0], {2, 3}, {10, 21, 32, 13, 24, 35});
  y = Eval(MakeNode("Mul", 2), {Tensor({2, 1}, {2, 3}), Tensor({1, 3}, {1, 2, 3})});
  ExpectTensor(y[0], {2, 3}, {2, 4, 6, 3, 6, 9});
}

TEST(ReferenceKernelsTest, Activations) {
  Tensor x({4}, {-2, -0.5, 0, 3});
  ExpectTensor(Eval(MakeNode("Relu", 1), {x})[0], {4}, {0, 0, 0, 3});
  ExpectTensor(Eval(MakeNode("LeakyRelu", 1, {{"alpha", A::Float(0.5f)}}), {x})[0], {4},
               {-1, -0.25, 0, 3});
  ExpectTensor(Eval(MakeNode("Clip", 1, {{"min", A::Float(-1)}, {"max", A::Float(1)}}), {x})[0],
               {4}, {-1, -0.5, 0, 1});
  ExpectTensor(Eval(MakeNode("Clip", 3), {x, Tensor({}, {0}), Tensor({}, {2})})[0], {4},
               {0, 0, 0, 2});
  const float s = 1.0f / (1.0f + std::exp(2.0f));
  ExpectTensor(Eval(MakeNode("Sigmoid", 1), {x})[0], {4},
               {s, 1.0f / (1.0f + std::exp(0.5f)), 0.5f, 1.0f / (1.0f + std::exp(-3.0f))});
}

TEST(ReferenceKernelsTest, SoftmaxAndBatchNorm) {
  auto y = Eval(MakeNode("Softmax", 1), {Tensor({1, 3}, {0, std::log(2.0f), std::log(3.0f)})});
  ExpectTensor(y[0], {1, 3}, {1.0f / 6, 2.0f / 6, 3.0f / 6});
  Node bn = MakeNode("BatchNormalization", 5, {{"epsilon", A::Float(1.0f)}});
  y = Eval(bn, {Tensor({1, 2, 1, 1}, {1, 2}), Tensor({2}, {2, 1}), Tensor({2}, {1, 0}),
                Tensor({2}, {0, 1}), Tensor({2}, {3, 0})});
  ExpectTensor(y[0], {1, 2, 1, 1}, {2, 1});
}

TEST(ReferenceKernelsTest, DataMovement) {
  auto y =
      Eval(MakeNode("Concat", 2, {{"axis", A::Int(1)}}), {Iota({1, 1, 2}), Iota({1, 2, 2}, 10)});
  ExpectTensor(y[0], {1, 3, 2}, {0, 1, 10, 11, 12, 13});
  y = Eval(MakeNode("Flatten", 1), {Iota({2, 2, 2})});
  ExpectTensor(y[0], {2, 4}, {0, 1, 2, 3, 4, 5, 6, 7});
  y = Eval(MakeNode("Reshape", 1, {{"shape", A::Ints({4, -1})}}), {Iota({2, 2, 2})});
  ExpectTensor(y[0], {4, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  y = Eval(MakeNode("Dropout", 1, {}, 2), {Iota({3})});
  ExpectTensor(y[0], {3}, {0, 1, 2});
  ExpectTensor(y[1], {3}, {1, 1, 1});
  ExpectTensor(Eval(MakeNode("Identity", 1), {Iota({2})})[0], {2}, {0, 1});
}

TEST(ReferenceKernelsTest, ShapeErrorsNameTheNode) {
  const Tensor x = Iota({1, 2, 2, 2});
  const Tensor w({1, 3, 1, 1}, {1, 1, 1});
  std::vector<const Tensor*> in = {&x, &w};
  Result<std::vector<Tensor>> out = RunNode(ReferenceKernels(), MakeNode("Conv", 2), in);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("node 'n' (Conv)"), std::string::npos);
}

}  // namespace
}  // namespace distcnn
