#include "distcnn/model/onnx_io.h"

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "distcnn/model/zoo.h"
#include "distcnn/profile/profile_format.h"
#include "distcnn/profile/profiler.h"

namespace distcnn {
namespace {

std::string ProfileJson(const Graph& g, Granularity gr = Granularity::kLayer) {
  Result<ModelProfile> p = ProfileGraph(g, gr);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? FormatProfileJson(*p) : "";
}

// Every zoo model: export -> ONNX checker -> import gives the identical graph
// (nodes, attributes, layer names, shapes, weights) and profile.
TEST(OnnxIoTest, ZooRoundTrip) {
  for (const ZooEntry& e : ZooEntries()) {
    SCOPED_TRACE(e.name);
    const auto start = std::chrono::steady_clock::now();
    const Graph g = *BuildZooModel(e.name);
    Result<std::string> bytes = ExportOnnxBytes(g);  // runs the ONNX checker
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    Result<Graph> back = ImportOnnxBytes(*bytes, e.name + ".onnx");
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->name, g.name);
    EXPECT_EQ(back->inputs, g.inputs);
    EXPECT_EQ(back->outputs, g.outputs);
    EXPECT_EQ(back->nodes, g.nodes);
    EXPECT_EQ(back->tensors, g.tensors);
    ASSERT_EQ(back->initializers.size(), g.initializers.size());
    for (size_t i = 0; i < g.initializers.size(); ++i) {
      EXPECT_EQ(back->initializers[i].info, g.initializers[i].info);
      EXPECT_TRUE(RawBytes(back->initializers[i]) == RawBytes(g.initializers[i]))
          << g.initializers[i].info.name;
    }
    for (Granularity gr : {Granularity::kOp, Granularity::kLayer, Granularity::kBlock}) {
      EXPECT_EQ(ProfileJson(*back, gr), ProfileJson(g, gr));
    }
    EXPECT_EQ(CountParameters(*back), e.published_params);
    std::printf("%-15s %8.1f MB  %.2f s\n", e.name.c_str(), bytes->size() / 1e6,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}

TEST(OnnxIoTest, FileRoundTripAndShapesOnly) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "distcnn_onnx_io_test_lenet5.onnx").string();
  const Graph g = *BuildZooModel("lenet5");
  ASSERT_TRUE(ExportOnnxFile(g, path).ok());
  onnx::checker::check_model(path);  // throws on failure
  OnnxImportOptions o;
  o.keep_weights = false;
  Result<Graph> back = ImportOnnxFile(path, o);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->initializers[0].raw.empty());
  EXPECT_EQ(ProfileJson(*back), ProfileJson(g));
  std::filesystem::remove(path);
}

// A small hand-written model in the form exporters produce: Constant nodes for
// Clip's bounds and Reshape's shape, a symbolic batch dimension.
onnx::ModelProto SmallModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("small");
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(1);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  for (int d : {2, 4, 4}) tt->mutable_shape()->add_dim()->set_dim_value(d);
  auto* output = g->add_output();
  output->set_name("y");
  output->mutable_type()->mutable_tensor_type()->set_elem_type(1);
  output->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("N");
  output->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(48);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(1);
  for (int d : {3, 2, 1, 1}) w->add_dims(d);
  for (int i = 0; i < 6; ++i) w->add_float_data(0.5f);
  auto constant = [&](const std::string& name, int type, std::vector<int64_t> dims,
                      std::vector<double> values) {
    auto* n = g->add_node();
    n->set_op_type("Constant");
    n->add_output(name);
    auto* a = n->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(type);
    for (int64_t d : dims) a->mutable_t()->add_dims(d);
    for (double v : values) {
      if (type == 1)
        a->mutable_t()->add_float_data(static_cast<float>(v));
      else
        a->mutable_t()->add_int64_data(static_cast<int64_t>(v));
    }
  };
  auto node = [&](const std::string& op, std::vector<std::string> ins, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(out + "_node");
    for (const auto& s : ins) n->add_input(s);
    n->add_output(out);
    return n;
  };
  node("Conv", {"x", "w"}, "c");
  constant("lo", 1, {}, {0});
  constant("hi", 1, {}, {6});
  node("Clip", {"c", "lo", "hi"}, "r");
  constant("shape", 7, {2}, {0, -1});
  node("Reshape", {"r", "shape"}, "y");
  return m;
}

std::string Bytes(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

TEST(OnnxIoTest, ConstantsFoldAndDynamicDims) {
  const onnx::ModelProto m = SmallModel();
  Result<Graph> g = ImportOnnxBytes(Bytes(m), "small.onnx");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(),
            "small.onnx: input 'x' dimension 0 is dynamic ('N') and has no size; give it one "
            "(e.g. --dim N=1)");
  OnnxImportOptions o;
  o.dim_sizes["N"] = 1;
  g = ImportOnnxBytes(Bytes(m), "small.onnx", o);
  ASSERT_TRUE(g.ok()) << g.status().message();
  ASSERT_EQ(g->nodes.size(), 3u);
  EXPECT_EQ(g->nodes[1].GetFloat("max", 0), 6.0f);
  EXPECT_EQ(g->nodes[2].GetInts("shape", {}), (std::vector<int64_t>{0, -1}));
  EXPECT_EQ(g->initializers.size(), 1u);  // the folded constants are gone
  EXPECT_EQ(g->FindTensor("y")->shape, (Shape{1, 48}));
}

std::string ErrorOf(const std::string& bytes) {
  OnnxImportOptions o;
  o.dim_sizes["N"] = 1;
  Result<Graph> g = ImportOnnxBytes(bytes, "m.onnx", o);
  EXPECT_FALSE(g.ok());
  return g.ok() ? "" : g.status().message();
}

TEST(OnnxIoTest, BadInputs) {
  const std::string good = *ExportOnnxBytes(*BuildZooModel("lenet5"));
  // Truncated.
  EXPECT_EQ(ErrorOf(good.substr(0, good.size() / 2)),
            "m.onnx: not an ONNX model: the protobuf does not parse (truncated or another file "
            "format)");
  // Wrong magic: a PNG header, and plain text.
  EXPECT_NE(ErrorOf(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)).find("not an ONNX model"),
            std::string::npos);
  EXPECT_NE(ErrorOf("hello world").find("not an ONNX model"), std::string::npos);
  EXPECT_EQ(ErrorOf(""), "m.onnx: empty file; not an ONNX model");
  // Unsupported operator.
  onnx::ModelProto m = SmallModel();
  m.mutable_graph()->mutable_node(3)->set_op_type("Tanh");
  m.mutable_graph()->mutable_node(3)->clear_input();
  m.mutable_graph()->mutable_node(3)->add_input("c");
  EXPECT_EQ(ErrorOf(Bytes(m)),
            "m.onnx: node 'r_node' (Tanh): operator 'Tanh' is not supported (see docs/ops.md)");
  // Missing initializer.
  m = SmallModel();
  m.mutable_graph()->clear_initializer();
  EXPECT_NE(ErrorOf(Bytes(m)).find("input 'w' is not defined"), std::string::npos);
  // Initializer without its data.
  m = SmallModel();
  m.mutable_graph()->mutable_initializer(0)->clear_float_data();
  EXPECT_NE(ErrorOf(Bytes(m)).find("initializer 'w' has 0 values"), std::string::npos);
  // External data.
  m = SmallModel();
  m.mutable_graph()->mutable_initializer(0)->set_data_location(
      onnx::TensorProto_DataLocation_EXTERNAL);
  EXPECT_NE(ErrorOf(Bytes(m)).find("external"), std::string::npos);
  // Unsupported attribute.
  m = SmallModel();
  auto* a = m.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("frobnicate");
  a->set_type(onnx::AttributeProto::INT);
  EXPECT_NE(ErrorOf(Bytes(m)).find("node 'c_node' (Conv): attribute 'frobnicate' is not supported"),
            std::string::npos);
  // Non-constant Reshape shape.
  m = SmallModel();
  m.mutable_graph()->mutable_node(5)->set_input(1, "c");
  EXPECT_NE(ErrorOf(Bytes(m)).find("must be a constant"), std::string::npos);
}

}  // namespace
}  // namespace distcnn
