// The CNN graph IR: tensors with static shapes and data types, operator nodes
// with attributes, and initializers (weights). Nodes are kept in topological
// order. InferShapes() derives every tensor's shape for the supported operators
// (docs/ops.md); profiles and the runtime read those shapes. Plain values, no
// sharing: copy freely, safe to read from several threads. No protobuf here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "distcnn/base/status.h"

namespace distcnn {

// The ONNX element types we can size (values equal ONNX TensorProto.DataType).
enum class DataType {
  kUndefined = 0,
  kFloat32 = 1,
  kUint8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
};

// Bytes per element; 0 for kUndefined.
int64_t DataTypeBytes(DataType type);
const char* DataTypeName(DataType type);
// Maps an ONNX TensorProto.DataType number; kUndefined for types we do not size.
DataType DataTypeFromOnnx(int onnx_type);

using Shape = std::vector<int64_t>;  // every dimension known and >= 0
int64_t NumElements(const Shape& shape);
std::string ShapeString(const Shape& shape);  // "[1,3,224,224]"

struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kFloat32;
  Shape shape;
  bool operator==(const TensorInfo&) const = default;
};

// Weights. Values are held in exactly one form: `floats` or `ints` (explicit),
// `raw` (little-endian bytes as read from a file), or `seed` (zoo models:
// uniform values in [-scale, scale] generated on demand by FloatValues(), so that
// profiling a 138 M-parameter model allocates nothing).
struct Initializer {
  TensorInfo info;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::string raw;
  std::optional<uint64_t> seed;
  float scale = 0.0f;
};

// The values of a float32 initializer in any form (generates seeded values).
std::vector<float> FloatValues(const Initializer& init);
// The little-endian bytes of an initializer in any form (the ONNX raw_data).
std::string RawBytes(const Initializer& init);

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats };
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  bool operator==(const Attribute&) const = default;

  static Attribute Int(int64_t v);
  static Attribute Float(float v);
  static Attribute String(std::string v);
  static Attribute Ints(std::vector<int64_t> v);
  static Attribute Floats(std::vector<float> v);
};

struct Node {
  std::string name;
  std::string op_type;
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;
  // The placeable layer this node belongs to when the model fixes its grouping
  // (zoo models that follow the paper); empty: grouped automatically.
  std::string layer;
  bool operator==(const Node&) const = default;

  int64_t GetInt(const std::string& key, int64_t fallback) const;
  float GetFloat(const std::string& key, float fallback) const;
  std::string GetString(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> GetInts(const std::string& key, std::vector<int64_t> fallback) const;
};

struct Graph {
  std::string name;
  std::vector<TensorInfo> inputs;  // runtime inputs (never initializers)
  std::vector<TensorInfo> outputs;
  std::vector<Initializer> initializers;
  std::vector<Node> nodes;  // topological order
  // Every tensor's type and shape (inputs, initializers, node outputs); filled
  // by InferShapes().
  std::map<std::string, TensorInfo> tensors;

  const Initializer* FindInitializer(const std::string& name) const;
  const TensorInfo* FindTensor(const std::string& name) const;
};

// The operator types the IR supports (docs/ops.md), in a fixed order.
const std::vector<std::string>& SupportedOps();
bool IsSupportedOp(const std::string& op_type);
// Conv, Gemm and MatMul: operators that start a placeable layer.
bool IsWeightedOp(const std::string& op_type);

// Checks that every node's op and attributes are supported and every input is
// defined before use, then derives the type and shape of every tensor into
// graph->tensors. Graph outputs' shapes are filled in. Errors (kInvalidArgument)
// name the node and op type: "node 'conv1' (Conv): ...".
Status InferShapes(Graph* graph);

// Derives the outputs of one node from the infos of its inputs in `tensors`
// and adds them there. Same errors as InferShapes.
Status InferNodeOutputs(const Node& node, std::map<std::string, TensorInfo>* tensors);

// Trainable parameters: elements of all initializers except the running mean
// and variance of BatchNormalization (how frameworks and papers count them).
int64_t CountParameters(const Graph& graph);

}  // namespace distcnn
