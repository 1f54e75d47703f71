#include "distcnn/model/graph.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "distcnn/base/rng.h"

namespace distcnn {

int64_t DataTypeBytes(DataType type) {
  switch (type) {
    case DataType::kFloat32:
    case DataType::kInt32:
      return 4;
    case DataType::kUint8:
    case DataType::kInt8:
    case DataType::kBool:
      return 1;
    case DataType::kInt64:
    case DataType::kFloat64:
      return 8;
    case DataType::kFloat16:
      return 2;
    case DataType::kUndefined:
      return 0;
  }
  return 0;
}

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "float32";
    case DataType::kInt32:
      return "int32";
    case DataType::kUint8:
      return "uint8";
    case DataType::kInt8:
      return "int8";
    case DataType::kBool:
      return "bool";
    case DataType::kInt64:
      return "int64";
    case DataType::kFloat64:
      return "float64";
    case DataType::kFloat16:
      return "float16";
    case DataType::kUndefined:
      return "undefined";
  }
  return "undefined";
}

DataType DataTypeFromOnnx(int onnx_type) {
  switch (onnx_type) {
    case 1:
      return DataType::kFloat32;
    case 2:
      return DataType::kUint8;
    case 3:
      return DataType::kInt8;
    case 6:
      return DataType::kInt32;
    case 7:
      return DataType::kInt64;
    case 9:
      return DataType::kBool;
    case 10:
      return DataType::kFloat16;
    case 11:
      return DataType::kFloat64;
    default:
      return DataType::kUndefined;
  }
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::vector<float> FloatValues(const Initializer& init) {
  if (!init.floats.empty()) return init.floats;
  const int64_t n = NumElements(init.info.shape);
  std::vector<float> v(static_cast<size_t>(n));
  if (init.seed) {
    Rng rng(*init.seed);
    for (float& x : v) {
      x = static_cast<float>((static_cast<double>(rng.Next() >> 40) * 0x1.0p-24 * 2.0 - 1.0) *
                             init.scale);
    }
  } else if (init.raw.size() == v.size() * sizeof(float)) {
    std::memcpy(v.data(), init.raw.data(), init.raw.size());
  }
  return v;
}

std::string RawBytes(const Initializer& init) {
  if (!init.raw.empty()) return init.raw;
  if (!init.ints.empty()) {
    if (init.info.dtype == DataType::kInt64) {
      return std::string(reinterpret_cast<const char*>(init.ints.data()),
                         init.ints.size() * sizeof(int64_t));
    }
    std::string s;
    for (int64_t x : init.ints) {
      const int32_t y = static_cast<int32_t>(x);
      s.append(reinterpret_cast<const char*>(&y), sizeof(y));
    }
    return s;
  }
  const std::vector<float> v = FloatValues(init);
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

Attribute Attribute::Int(int64_t v) {
  Attribute a;
  a.kind = Kind::kInt;
  a.i = v;
  return a;
}
Attribute Attribute::Float(float v) {
  Attribute a;
  a.kind = Kind::kFloat;
  a.f = v;
  return a;
}
Attribute Attribute::String(std::string v) {
  Attribute a;
  a.kind = Kind::kString;
  a.s = std::move(v);
  return a;
}
Attribute Attribute::Ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute Attribute::Floats(std::vector<float> v) {
  Attribute a;
  a.kind = Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

int64_t Node::GetInt(const std::string& key, int64_t fallback) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? fallback : it->second.i;
}
float Node::GetFloat(const std::string& key, float fallback) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? fallback : it->second.f;
}
std::string Node::GetString(const std::string& key, const std::string& fallback) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? fallback : it->second.s;
}
std::vector<int64_t> Node::GetInts(const std::string& key, std::vector<int64_t> fallback) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? fallback : it->second.ints;
}

const Initializer* Graph::FindInitializer(const std::string& n) const {
  for (const Initializer& i : initializers) {
    if (i.info.name == n) return &i;
  }
  return nullptr;
}

const TensorInfo* Graph::FindTensor(const std::string& n) const {
  auto it = tensors.find(n);
  return it == tensors.end() ? nullptr : &it->second;
}

namespace {

using AK = Attribute::Kind;

struct OpSpec {
  const char* op;
  int min_inputs;
  int max_inputs;
  int max_outputs;
  std::vector<std::pair<const char*, AK>> attrs;
};

const std::vector<OpSpec>& OpSpecs() {
  static const std::vector<OpSpec> kSpecs = {
      {"Conv",
       2,
       3,
       1,
       {{"auto_pad", AK::kString},
        {"dilations", AK::kInts},
        {"group", AK::kInt},
        {"kernel_shape", AK::kInts},
        {"pads", AK::kInts},
        {"strides", AK::kInts}}},
      {"Relu", 1, 1, 1, {}},
      {"Clip", 1, 3, 1, {{"min", AK::kFloat}, {"max", AK::kFloat}}},  // runtime bounds: inputs
      {"LeakyRelu", 1, 1, 1, {{"alpha", AK::kFloat}}},
      {"Sigmoid", 1, 1, 1, {}},
      {"MaxPool",
       1,
       1,
       2,
       {{"auto_pad", AK::kString},
        {"ceil_mode", AK::kInt},
        {"dilations", AK::kInts},
        {"kernel_shape", AK::kInts},
        {"pads", AK::kInts},
        {"storage_order", AK::kInt},
        {"strides", AK::kInts}}},
      {"AveragePool",
       1,
       1,
       1,
       {{"auto_pad", AK::kString},
        {"ceil_mode", AK::kInt},
        {"count_include_pad", AK::kInt},
        {"kernel_shape", AK::kInts},
        {"pads", AK::kInts},
        {"strides", AK::kInts}}},
      {"GlobalAveragePool", 1, 1, 1, {}},
      {"Gemm",
       2,
       3,
       1,
       {{"alpha", AK::kFloat}, {"beta", AK::kFloat}, {"transA", AK::kInt}, {"transB", AK::kInt}}},
      {"MatMul", 2, 2, 1, {}},
      {"Add", 2, 2, 1, {}},
      {"Mul", 2, 2, 1, {}},
      {"Concat", 1, 1 << 20, 1, {{"axis", AK::kInt}}},
      {"Flatten", 1, 1, 1, {{"axis", AK::kInt}}},
      {"Reshape", 1, 1, 1, {{"shape", AK::kInts}, {"allowzero", AK::kInt}}},
      {"BatchNormalization",
       5,
       5,
       1,
       {{"epsilon", AK::kFloat}, {"momentum", AK::kFloat}, {"training_mode", AK::kInt}}},
      {"LRN",
       1,
       1,
       1,
       {{"alpha", AK::kFloat}, {"beta", AK::kFloat}, {"bias", AK::kFloat}, {"size", AK::kInt}}},
      {"Softmax", 1, 1, 1, {{"axis", AK::kInt}}},
      {"Dropout", 1, 3, 2, {{"ratio", AK::kFloat}, {"seed", AK::kInt}}},  // ratio, training_mode
      {"Identity", 1, 1, 1, {}},
  };
  return kSpecs;
}

const OpSpec* FindSpec(const std::string& op) {
  for (const OpSpec& s : OpSpecs()) {
    if (op == s.op) return &s;
  }
  return nullptr;
}

const char* KindName(AK k) {
  switch (k) {
    case AK::kInt:
      return "an integer";
    case AK::kFloat:
      return "a float";
    case AK::kString:
      return "a string";
    case AK::kInts:
      return "a list of integers";
    case AK::kFloats:
      return "a list of floats";
  }
  return "?";
}

Status NodeError(const Node& n, const std::string& what) {
  return InvalidArgument("node '" + n.name + "' (" + n.op_type + "): " + what);
}

Result<Shape> BroadcastShapes(const Node& n, const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) {
      return NodeError(n,
                       "shapes " + ShapeString(a) + " and " + ShapeString(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Output spatial sizes of Conv/MaxPool/AveragePool.
Result<Shape> WindowOutput(const Node& n, const Shape& x, const std::vector<int64_t>& kernel,
                           bool ceil_mode) {
  const size_t sp = x.size() - 2;
  if (kernel.size() != sp) {
    return NodeError(n, "kernel_shape has " + std::to_string(kernel.size()) +
                            " dimensions, the input has " + std::to_string(sp) + " spatial ones");
  }
  const std::vector<int64_t> strides = n.GetInts("strides", std::vector<int64_t>(sp, 1));
  const std::vector<int64_t> dil = n.GetInts("dilations", std::vector<int64_t>(sp, 1));
  const std::vector<int64_t> pads = n.GetInts("pads", std::vector<int64_t>(2 * sp, 0));
  if (strides.size() != sp || dil.size() != sp || pads.size() != 2 * sp) {
    return NodeError(n, "strides, dilations and pads must match the " + std::to_string(sp) +
                            " spatial dimensions");
  }
  const std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return NodeError(n, "auto_pad '" + auto_pad + "' is not supported");
  }
  Shape out = {x[0], x[1]};
  for (size_t i = 0; i < sp; ++i) {
    if (strides[i] < 1 || dil[i] < 1 || kernel[i] < 1 || pads[i] < 0 || pads[i + sp] < 0) {
      return NodeError(n, "kernel, strides and dilations must be >= 1 and pads >= 0");
    }
    const int64_t dk = (kernel[i] - 1) * dil[i] + 1;
    int64_t o;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      o = (x[i + 2] + strides[i] - 1) / strides[i];
    } else {
      const int64_t padded = x[i + 2] + (auto_pad == "VALID" ? 0 : pads[i] + pads[i + sp]);
      if (padded < dk) {
        return NodeError(n, "the window (" + std::to_string(dk) +
                                ") is larger than the padded input (" + std::to_string(padded) +
                                ") in spatial dimension " + std::to_string(i));
      }
      if (ceil_mode) {
        o = (padded - dk + strides[i] - 1) / strides[i] + 1;
        // The last window must start inside the input or its left padding.
        if ((o - 1) * strides[i] >= x[i + 2] + pads[i]) --o;
      } else {
        o = (padded - dk) / strides[i] + 1;
      }
    }
    out.push_back(o);
  }
  return out;
}

int64_t NormAxis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

}  // namespace

const std::vector<std::string>& SupportedOps() {
  static const std::vector<std::string> kOps = [] {
    std::vector<std::string> v;
    for (const OpSpec& s : OpSpecs()) v.push_back(s.op);
    v.push_back("Constant");  // folded into initializers and attributes on import
    return v;
  }();
  return kOps;
}

bool IsSupportedOp(const std::string& op_type) {
  return op_type == "Constant" || FindSpec(op_type) != nullptr;
}

bool IsWeightedOp(const std::string& op_type) {
  return op_type == "Conv" || op_type == "Gemm" || op_type == "MatMul";
}

Status InferNodeOutputs(const Node& n, std::map<std::string, TensorInfo>* tensors) {
  const OpSpec* spec = FindSpec(n.op_type);
  if (!spec) return NodeError(n, "operator '" + n.op_type + "' is not supported (see docs/ops.md)");
  const int num_in = static_cast<int>(n.inputs.size());
  if (num_in < spec->min_inputs || num_in > spec->max_inputs) {
    return NodeError(
        n, std::to_string(num_in) + " inputs; expected " + std::to_string(spec->min_inputs) +
               (spec->max_inputs == spec->min_inputs ? std::string()
                                                     : " to " + std::to_string(spec->max_inputs)));
  }
  if (n.outputs.empty() || static_cast<int>(n.outputs.size()) > spec->max_outputs) {
    return NodeError(n, std::to_string(n.outputs.size()) + " outputs; at most " +
                            std::to_string(spec->max_outputs) + " are supported");
  }
  for (const auto& [key, attr] : n.attrs) {
    auto it = std::find_if(spec->attrs.begin(), spec->attrs.end(),
                           [&attr_name = key](const auto& a) { return attr_name == a.first; });
    if (it == spec->attrs.end()) {
      return NodeError(n, "attribute '" + key + "' is not supported");
    }
    if (it->second != attr.kind) {
      return NodeError(n, "attribute '" + key + "' must be " + KindName(it->second));
    }
  }
  std::vector<const TensorInfo*> in(n.inputs.size(), nullptr);
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i].empty()) {
      if (static_cast<int>(i) < spec->min_inputs)
        return NodeError(n, "input " + std::to_string(i) + " is required");
      continue;
    }
    auto it = tensors->find(n.inputs[i]);
    if (it == tensors->end()) {
      return NodeError(n, "input '" + n.inputs[i] +
                              "' is not defined (no graph input, initializer or earlier node "
                              "output has that name)");
    }
    in[i] = &it->second;
  }
  const Shape& x = in[0]->shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  const DataType dtype = in[0]->dtype;
  if (dtype != DataType::kFloat32 && dtype != DataType::kFloat16 && dtype != DataType::kFloat64) {
    return NodeError(n, std::string("input type ") + DataTypeName(dtype) +
                            " is not supported (float tensors only)");
  }
  std::vector<Shape> outs(1);
  const std::string& op = n.op_type;
  if (op == "Conv" || op == "MaxPool" || op == "AveragePool") {
    if (rank < 3)
      return NodeError(n, "input " + ShapeString(x) + " needs rank >= 3 (N, C, spatial)");
    std::vector<int64_t> kernel = n.GetInts("kernel_shape", {});
    if (op == "Conv") {
      const Shape& w = in[1]->shape;
      if (w.size() != x.size()) {
        return NodeError(
            n, "weight " + ShapeString(w) + " and input " + ShapeString(x) + " differ in rank");
      }
      const int64_t group = n.GetInt("group", 1);
      if (group < 1 || x[1] != w[1] * group || w[0] % group != 0) {
        return NodeError(n, "input channels " + std::to_string(x[1]) + ", weight " +
                                ShapeString(w) + " and group " + std::to_string(group) +
                                " do not match");
      }
      const Shape wk(w.begin() + 2, w.end());
      if (kernel.empty()) kernel = wk;
      if (kernel != wk)
        return NodeError(n, "kernel_shape contradicts the weight's shape " + ShapeString(w));
      if (in.size() > 2 && in[2] && in[2]->shape != Shape{w[0]}) {
        return NodeError(
            n, "bias " + ShapeString(in[2]->shape) + " must be [" + std::to_string(w[0]) + "]");
      }
      ASSIGN_OR_RETURN(outs[0], WindowOutput(n, x, kernel, false));
      outs[0][1] = w[0];
    } else {
      if (kernel.empty()) return NodeError(n, "kernel_shape is required");
      ASSIGN_OR_RETURN(outs[0], WindowOutput(n, x, kernel, n.GetInt("ceil_mode", 0) != 0));
      if (n.outputs.size() > 1) outs.push_back(outs[0]);
    }
  } else if (op == "GlobalAveragePool") {
    if (rank < 3) return NodeError(n, "input " + ShapeString(x) + " needs rank >= 3");
    outs[0] = Shape(x.size(), 1);
    outs[0][0] = x[0];
    outs[0][1] = x[1];
  } else if (op == "Gemm") {
    const Shape& a = x;
    const Shape& b = in[1]->shape;
    if (a.size() != 2 || b.size() != 2) {
      return NodeError(n, "A " + ShapeString(a) + " and B " + ShapeString(b) + " must be 2-D");
    }
    const bool ta = n.GetInt("transA", 0) != 0, tb = n.GetInt("transB", 0) != 0;
    const int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
    const int64_t k2 = tb ? b[1] : b[0], nn = tb ? b[0] : b[1];
    if (k != k2) {
      return NodeError(n, "inner dimensions differ: A " + ShapeString(a) + ", B " + ShapeString(b));
    }
    outs[0] = {m, nn};
    if (in.size() > 2 && in[2]) {
      ASSIGN_OR_RETURN(Shape c, BroadcastShapes(n, in[2]->shape, outs[0]));
      if (c != outs[0])
        return NodeError(
            n, "C " + ShapeString(in[2]->shape) + " does not broadcast to " + ShapeString(outs[0]));
    }
  } else if (op == "MatMul") {
    Shape a = x, b = in[1]->shape;
    if (a.empty() || b.empty()) return NodeError(n, "scalar operands are not allowed");
    const bool a1 = a.size() == 1, b1 = b.size() == 1;
    if (a1) a.insert(a.begin(), 1);
    if (b1) b.push_back(1);
    if (a.back() != b[b.size() - 2]) {
      return NodeError(
          n, "inner dimensions differ: " + ShapeString(x) + " x " + ShapeString(in[1]->shape));
    }
    ASSIGN_OR_RETURN(Shape batch, BroadcastShapes(n, Shape(a.begin(), a.end() - 2),
                                                  Shape(b.begin(), b.end() - 2)));
    outs[0] = batch;
    if (!a1) outs[0].push_back(a[a.size() - 2]);
    if (!b1) outs[0].push_back(b.back());
  } else if (op == "Add" || op == "Mul") {
    if (in[1]->dtype != dtype) return NodeError(n, "operands differ in type");
    ASSIGN_OR_RETURN(outs[0], BroadcastShapes(n, x, in[1]->shape));
  } else if (op == "Concat") {
    if (!n.attrs.count("axis")) return NodeError(n, "attribute 'axis' is required");
    const int64_t axis = NormAxis(n.GetInt("axis", 0), rank);
    if (axis < 0 || axis >= rank) return NodeError(n, "axis out of range for " + ShapeString(x));
    outs[0] = x;
    for (size_t i = 1; i < in.size(); ++i) {
      const Shape& s = in[i]->shape;
      bool ok = s.size() == x.size();
      for (int64_t d = 0; ok && d < rank; ++d) ok = d == axis || s[d] == x[d];
      if (!ok)
        return NodeError(n, "inputs " + ShapeString(x) + " and " + ShapeString(s) +
                                " cannot be concatenated on axis " + std::to_string(axis));
      outs[0][axis] += s[axis];
    }
  } else if (op == "Flatten") {
    const int64_t axis = NormAxis(n.GetInt("axis", 1), rank);
    if (axis < 0 || axis > rank) return NodeError(n, "axis out of range for " + ShapeString(x));
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x[d];
    outs[0] = {outer, NumElements(x) / std::max<int64_t>(outer, 1)};
    if (outer == 0) outs[0][1] = 0;
  } else if (op == "Reshape") {
    if (!n.attrs.count("shape")) return NodeError(n, "the target shape must be a constant");
    const std::vector<int64_t> target = n.GetInts("shape", {});
    const bool allowzero = n.GetInt("allowzero", 0) != 0;
    Shape out;
    int infer = -1;
    int64_t known = 1;
    for (size_t i = 0; i < target.size(); ++i) {
      int64_t d = target[i];
      if (d == 0 && !allowzero) {
        if (i >= x.size())
          return NodeError(n,
                           "shape copies dimension " + std::to_string(i) + " that the input lacks");
        d = x[i];
      }
      if (d == -1) {
        if (infer >= 0) return NodeError(n, "shape has more than one -1");
        infer = static_cast<int>(i);
        out.push_back(1);
        continue;
      }
      if (d < 0) return NodeError(n, "shape has a negative dimension");
      known *= d;
      out.push_back(d);
    }
    const int64_t total = NumElements(x);
    if (infer >= 0) {
      if (known == 0 || total % known != 0)
        return NodeError(n, "cannot reshape " + ShapeString(x) + " to " + ShapeString(target));
      out[infer] = total / known;
    } else if (known != total) {
      return NodeError(n, "cannot reshape " + ShapeString(x) + " to " + ShapeString(target));
    }
    outs[0] = out;
  } else if (op == "BatchNormalization") {
    if (n.GetInt("training_mode", 0) != 0)
      return NodeError(n, "training_mode is not supported (inference only)");
    if (rank < 2) return NodeError(n, "input " + ShapeString(x) + " needs rank >= 2");
    for (size_t i = 1; i < 5; ++i) {
      if (in[i]->shape != Shape{x[1]}) {
        return NodeError(n, "parameter '" + n.inputs[i] + "' " + ShapeString(in[i]->shape) +
                                " must be [" + std::to_string(x[1]) + "]");
      }
    }
    outs[0] = x;
  } else if (op == "LRN") {
    if (!n.attrs.count("size")) return NodeError(n, "attribute 'size' is required");
    if (rank < 3) return NodeError(n, "input " + ShapeString(x) + " needs rank >= 3");
    outs[0] = x;
  } else if (op == "Softmax") {
    const int64_t axis = NormAxis(n.GetInt("axis", -1), rank);
    if (axis < 0 || axis >= std::max<int64_t>(rank, 1))
      return NodeError(n, "axis out of range for " + ShapeString(x));
    outs[0] = x;
  } else if (op == "Dropout") {
    outs[0] = x;
    if (n.outputs.size() > 1) outs.push_back(x);
  } else {  // Relu, Clip, LeakyRelu, Sigmoid, Identity
    outs[0] = x;
  }
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    if (n.outputs[i].empty()) continue;
    DataType t = dtype;
    if (i == 1 && op == "MaxPool") t = DataType::kInt64;
    if (i == 1 && op == "Dropout") t = DataType::kBool;
    if (tensors->count(n.outputs[i])) {
      return NodeError(n, "output '" + n.outputs[i] + "' is defined twice");
    }
    (*tensors)[n.outputs[i]] = TensorInfo{n.outputs[i], t, outs[i]};
  }
  return Status::Ok();
}

Status InferShapes(Graph* graph) {
  std::map<std::string, TensorInfo> tensors;
  for (const TensorInfo& t : graph->inputs) {
    for (int64_t d : t.shape) {
      if (d < 0) return InvalidArgument("input '" + t.name + "' has an unknown dimension");
    }
    tensors[t.name] = t;
  }
  for (const Initializer& i : graph->initializers) tensors[i.info.name] = i.info;
  std::set<std::string> names;
  for (const Node& n : graph->nodes) {
    if (!names.insert(n.name).second) return NodeError(n, "duplicate node name");
    RETURN_IF_ERROR(InferNodeOutputs(n, &tensors));
  }
  for (TensorInfo& o : graph->outputs) {
    auto it = tensors.find(o.name);
    if (it == tensors.end()) {
      return InvalidArgument("graph output '" + o.name + "' is produced by no node");
    }
    o = it->second;
  }
  graph->tensors = std::move(tensors);
  return Status::Ok();
}

int64_t CountParameters(const Graph& graph) {
  std::set<std::string> stats;  // BatchNormalization running mean and variance
  for (const Node& n : graph.nodes) {
    if (n.op_type == "BatchNormalization" && n.inputs.size() == 5) {
      stats.insert(n.inputs[3]);
      stats.insert(n.inputs[4]);
    }
  }
  int64_t total = 0;
  for (const Initializer& i : graph.initializers) {
    if (!stats.count(i.info.name)) total += NumElements(i.info.shape);
  }
  return total;
}

}  // namespace distcnn
