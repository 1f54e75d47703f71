#include "distcnn/model/graph.h"

#include <gtest/gtest.h>

namespace distcnn {
namespace {

Node MakeNode(const std::string& op, std::vector<std::string> in,
              std::map<std::string, Attribute> attrs = {}) {
  Node n;
  n.name = "n";
  n.op_type = op;
  n.inputs = std::move(in);
  n.outputs = {"y"};
  n.attrs = std::move(attrs);
  return n;
}

Result<Shape> Infer(const Node& n, std::map<std::string, TensorInfo> tensors) {
  RETURN_IF_ERROR(InferNodeOutputs(n, &tensors));
  return tensors.at("y").shape;
}

TensorInfo T(const std::string& name, Shape s) { return {name, DataType::kFloat32, s}; }

TEST(GraphTest, ConvPadsStridesDilationsGroups) {
  std::map<std::string, TensorInfo> t = {{"x", T("x", {1, 4, 10, 9})}, {"w", T("w", {6, 2, 3, 3})}};
  Node n = MakeNode("Conv", {"x", "w"},
                    {{"group", Attribute::Int(2)},
                     {"strides", Attribute::Ints({2, 1})},
                     {"dilations", Attribute::Ints({1, 2})},
                     {"pads", Attribute::Ints({1, 0, 1, 0})}});
  Result<Shape> s = Infer(n, t);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(*s, (Shape{1, 6, 5, 5}));
  n.attrs = {{"auto_pad", Attribute::String("SAME_UPPER")}, {"strides", Attribute::Ints({2, 2})}};
  n.attrs["group"] = Attribute::Int(2);
  EXPECT_EQ(*Infer(n, t), (Shape{1, 6, 5, 5}));
  n.attrs["group"] = Attribute::Int(1);
  EXPECT_NE(Infer(n, t).status().message().find("do not match"), std::string::npos);
}

TEST(GraphTest, PoolCeilMode) {
  Node n = MakeNode("MaxPool", {"x"},
                    {{"kernel_shape", Attribute::Ints({3, 3})},
                     {"strides", Attribute::Ints({2, 2})},
                     {"ceil_mode", Attribute::Int(1)}});
  EXPECT_EQ(*Infer(n, {{"x", T("x", {1, 1, 32, 32})}}), (Shape{1, 1, 16, 16}));
  n.attrs.erase("ceil_mode");
  EXPECT_EQ(*Infer(n, {{"x", T("x", {1, 1, 32, 32})}}), (Shape{1, 1, 15, 15}));
}

TEST(GraphTest, ReshapeFlattenGemmMatMulConcat) {
  EXPECT_EQ(*Infer(MakeNode("Reshape", {"x"}, {{"shape", Attribute::Ints({0, -1})}}),
                   {{"x", T("x", {2, 3, 4})}}),
            (Shape{2, 12}));
  EXPECT_EQ(*Infer(MakeNode("Flatten", {"x"}, {{"axis", Attribute::Int(2)}}),
                   {{"x", T("x", {2, 3, 4, 5})}}),
            (Shape{6, 20}));
  EXPECT_EQ(*Infer(MakeNode("Gemm", {"a", "b"}, {{"transB", Attribute::Int(1)}}),
                   {{"a", T("a", {2, 5})}, {"b", T("b", {7, 5})}}),
            (Shape{2, 7}));
  EXPECT_EQ(
      *Infer(MakeNode("MatMul", {"a", "b"}), {{"a", T("a", {3, 2, 5})}, {"b", T("b", {5, 4})}}),
      (Shape{3, 2, 4}));
  EXPECT_EQ(*Infer(MakeNode("Concat", {"a", "b"}, {{"axis", Attribute::Int(-1)}}),
                   {{"a", T("a", {1, 2})}, {"b", T("b", {1, 3})}}),
            (Shape{1, 5}));
  EXPECT_FALSE(
      Infer(MakeNode("Add", {"a", "b"}), {{"a", T("a", {2, 3})}, {"b", T("b", {4})}}).ok());
}

TEST(GraphTest, ClearErrors) {
  Result<Shape> r = Infer(MakeNode("Tanh", {"x"}), {{"x", T("x", {1})}});
  EXPECT_EQ(r.status().message(),
            "node 'n' (Tanh): operator 'Tanh' is not supported (see docs/ops.md)");
  r = Infer(MakeNode("Relu", {"x"}, {{"foo", Attribute::Int(1)}}), {{"x", T("x", {1})}});
  EXPECT_EQ(r.status().message(), "node 'n' (Relu): attribute 'foo' is not supported");
  r = Infer(MakeNode("Relu", {"z"}), {{"x", T("x", {1})}});
  EXPECT_NE(r.status().message().find("input 'z' is not defined"), std::string::npos);
}

}  // namespace
}  // namespace distcnn
