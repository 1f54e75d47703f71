#include "distcnn/model/onnx_io.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>

namespace distcnn {

namespace {

constexpr const char* kLayerTag = "distcnn:layer=";

Status Err(const std::string& file, const std::string& what) {
  return InvalidArgument(file + ": " + what);
}

std::string NodeLabel(const onnx::NodeProto& n, int index) {
  return "node '" + (n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name()) +
         "' (" + n.op_type() + ")";
}

// Reads a tensor's values as doubles (any numeric type we size).
Result<std::vector<double>> TensorValues(const onnx::TensorProto& t, const std::string& file) {
  const DataType dt = DataTypeFromOnnx(t.data_type());
  int64_t n = 1;
  for (int64_t d : t.dims()) n *= d;
  std::vector<double> v;
  auto bad = [&]() {
    return Err(file, "tensor '" + t.name() + "' holds " + std::to_string(v.size()) +
                         " values for " + std::to_string(n) + " elements");
  };
  if (!t.raw_data().empty()) {
    const std::string& r = t.raw_data();
    const int64_t size = DataTypeBytes(dt);
    if (size == 0 || static_cast<int64_t>(r.size()) != n * size) {
      return Err(file, "tensor '" + t.name() + "' has " + std::to_string(r.size()) +
                           " bytes of data for " + std::to_string(n) + " elements of " +
                           DataTypeName(dt));
    }
    for (int64_t i = 0; i < n; ++i) {
      const char* p = r.data() + i * size;
      switch (dt) {
        case DataType::kFloat32: {
          float f;
          std::memcpy(&f, p, 4);
          v.push_back(f);
          break;
        }
        case DataType::kFloat64: {
          double f;
          std::memcpy(&f, p, 8);
          v.push_back(f);
          break;
        }
        case DataType::kInt64: {
          int64_t f;
          std::memcpy(&f, p, 8);
          v.push_back(static_cast<double>(f));
          break;
        }
        case DataType::kInt32: {
          int32_t f;
          std::memcpy(&f, p, 4);
          v.push_back(f);
          break;
        }
        default:
          return Err(file, "tensor '" + t.name() + "': values of type " + DataTypeName(dt) +
                               " cannot be read here");
      }
    }
    return v;
  }
  for (float f : t.float_data()) v.push_back(f);
  for (double f : t.double_data()) v.push_back(f);
  for (int64_t f : t.int64_data()) v.push_back(static_cast<double>(f));
  for (int32_t f : t.int32_data()) v.push_back(f);
  if (static_cast<int64_t>(v.size()) != n) return bad();
  return v;
}

bool IsExternal(const onnx::TensorProto& t) {
  return t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL || t.external_data_size() > 0;
}

Result<Initializer> ToInitializer(const onnx::TensorProto& t, const std::string& name, bool keep,
                                  const std::string& file) {
  Initializer init;
  init.info.name = name;
  init.info.dtype = DataTypeFromOnnx(t.data_type());
  if (init.info.dtype == DataType::kUndefined) {
    return Err(file, "initializer '" + name + "' has ONNX data type " +
                         std::to_string(t.data_type()) + ", which is not supported");
  }
  for (int64_t d : t.dims()) {
    if (d < 0) return Err(file, "initializer '" + name + "' has a negative dimension");
    init.info.shape.push_back(d);
  }
  const int64_t n = NumElements(init.info.shape);
  const int64_t bytes = n * DataTypeBytes(init.info.dtype);
  if (!t.raw_data().empty()) {
    if (static_cast<int64_t>(t.raw_data().size()) != bytes) {
      return Err(file, "initializer '" + name + "' has " + std::to_string(t.raw_data().size()) +
                           " bytes of data; its shape " + ShapeString(init.info.shape) + " of " +
                           DataTypeName(init.info.dtype) + " needs " + std::to_string(bytes));
    }
    if (keep) init.raw = t.raw_data();
    return init;
  }
  const int64_t count = t.float_data_size() + t.double_data_size() + t.int64_data_size() +
                        t.int32_data_size() + t.uint64_data_size();
  if (count != n) {
    return Err(file, "initializer '" + name + "' has " + std::to_string(count) +
                         " values; its shape " + ShapeString(init.info.shape) + " needs " +
                         std::to_string(n) + " (missing data)");
  }
  if (keep) {
    if (init.info.dtype == DataType::kFloat32) {
      init.floats.assign(t.float_data().begin(), t.float_data().end());
    } else if (init.info.dtype == DataType::kInt64) {
      init.ints.assign(t.int64_data().begin(), t.int64_data().end());
    } else {
      ASSIGN_OR_RETURN(std::vector<double> v, TensorValues(t, file));
      std::string raw;
      for (double x : v) {
        if (init.info.dtype == DataType::kFloat64) {
          raw.append(reinterpret_cast<const char*>(&x), 8);
        } else {
          const int64_t i = static_cast<int64_t>(x);
          raw.append(reinterpret_cast<const char*>(&i), DataTypeBytes(init.info.dtype));
        }
      }
      init.raw = raw;
    }
  }
  return init;
}

Result<Attribute> ToAttribute(const onnx::AttributeProto& a, const std::string& where) {
  using AP = onnx::AttributeProto;
  AP::AttributeType type = a.type();
  if (type == AP::UNDEFINED) {  // very old files: infer from the field that is set
    if (a.has_i())
      type = AP::INT;
    else if (a.has_f())
      type = AP::FLOAT;
    else if (a.has_s())
      type = AP::STRING;
    else if (a.ints_size())
      type = AP::INTS;
    else if (a.floats_size())
      type = AP::FLOATS;
  }
  switch (type) {
    case AP::INT:
      return Attribute::Int(a.i());
    case AP::FLOAT:
      return Attribute::Float(a.f());
    case AP::STRING:
      return Attribute::String(a.s());
    case AP::INTS:
      return Attribute::Ints({a.ints().begin(), a.ints().end()});
    case AP::FLOATS:
      return Attribute::Floats({a.floats().begin(), a.floats().end()});
    default:
      return InvalidArgument(where + ": attribute '" + a.name() + "' has a type (" +
                             std::to_string(static_cast<int>(type)) + ") that is not supported");
  }
}

std::string ExceptionMessage(const std::exception& e) {
  std::string m = e.what();
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

Result<Graph> Convert(onnx::ModelProto& m, const std::string& file,
                      const OnnxImportOptions& options) {
  const onnx::GraphProto& gp = m.graph();
  Graph g;
  g.name = gp.name().empty() ? file : gp.name();

  // Operators first: an unsupported one is the most useful message.
  for (int i = 0; i < gp.node_size(); ++i) {
    const onnx::NodeProto& n = gp.node(i);
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      return Err(file, NodeLabel(n, i) + ": operator domain '" + n.domain() +
                           "' is not supported (only the default ONNX domain)");
    }
    if (!IsSupportedOp(n.op_type())) {
      return Err(file, NodeLabel(n, i) + ": operator '" + n.op_type() +
                           "' is not supported (see docs/ops.md)");
    }
    if (n.op_type() == "Constant") {
      for (const auto& a : n.attribute()) {
        if (a.has_t() && IsExternal(a.t())) {
          return Err(file, NodeLabel(n, i) +
                               ": its value is stored in an external data file; "
                               "distcnn needs all tensors inside the model file");
        }
      }
    }
  }
  for (const onnx::TensorProto& t : gp.initializer()) {
    if (IsExternal(t)) {
      return Err(file, "initializer '" + t.name() +
                           "' stores its data in an external file; external data is not "
                           "supported (save the model with all tensors inside one file)");
    }
  }
  if (gp.sparse_initializer_size() > 0) {
    return Err(file, "sparse initializers are not supported");
  }

  // Initializers and constants.
  std::set<std::string> init_names;
  for (const onnx::TensorProto& t : gp.initializer()) {
    ASSIGN_OR_RETURN(Initializer init, ToInitializer(t, t.name(), options.keep_weights, file));
    init_names.insert(t.name());
    g.initializers.push_back(std::move(init));
  }
  std::map<std::string, const onnx::TensorProto*> const_tensors;  // for folding
  for (const onnx::TensorProto& t : gp.initializer()) const_tensors[t.name()] = &t;
  std::vector<onnx::TensorProto> constant_storage;
  constant_storage.reserve(gp.node_size());

  // Runtime inputs with static shapes.
  for (const onnx::ValueInfoProto& vi : gp.input()) {
    if (init_names.count(vi.name())) continue;  // IR < 4 lists initializers as inputs
    TensorInfo t;
    t.name = vi.name();
    if (!vi.type().has_tensor_type()) {
      return Err(file, "input '" + vi.name() + "' is not a tensor");
    }
    t.dtype = DataTypeFromOnnx(vi.type().tensor_type().elem_type());
    if (t.dtype == DataType::kUndefined) {
      return Err(file, "input '" + vi.name() + "' has ONNX element type " +
                           std::to_string(vi.type().tensor_type().elem_type()) +
                           ", which is not supported");
    }
    if (!vi.type().tensor_type().has_shape()) {
      return Err(file, "input '" + vi.name() + "' has no shape; distcnn needs static shapes");
    }
    const auto& dims = vi.type().tensor_type().shape().dim();
    for (int d = 0; d < dims.size(); ++d) {
      if (dims[d].has_dim_value() && dims[d].dim_value() >= 0) {
        t.shape.push_back(dims[d].dim_value());
        continue;
      }
      const std::string param = dims[d].dim_param();
      auto it = options.dim_sizes.find(param);
      if (param.empty() || it == options.dim_sizes.end()) {
        return Err(file, "input '" + vi.name() + "' dimension " + std::to_string(d) +
                             " is dynamic" + (param.empty() ? "" : " ('" + param + "')") +
                             " and has no size; give it one (e.g. --dim " +
                             (param.empty() ? std::string("NAME") : param) + "=1)");
      }
      t.shape.push_back(it->second);
    }
    g.inputs.push_back(t);
  }
  if (g.inputs.empty()) return Err(file, "a model without runtime inputs is not supported");

  // Nodes.
  std::set<std::string> node_names;
  for (int i = 0; i < gp.node_size(); ++i) {
    const onnx::NodeProto& np = gp.node(i);
    const std::string label = file + ": " + NodeLabel(np, i);
    if (np.op_type() == "Constant") {
      if (np.output_size() != 1) return Err(file, NodeLabel(np, i) + ": needs one output");
      onnx::TensorProto t;
      bool set = false;
      for (const auto& a : np.attribute()) {
        if (a.name() == "value" && a.has_t()) {
          t = a.t();
          set = true;
        } else if (a.name() == "value_float") {
          t.set_data_type(onnx::TensorProto_DataType_FLOAT);
          t.add_float_data(a.f());
          set = true;
        } else if (a.name() == "value_floats") {
          t.set_data_type(onnx::TensorProto_DataType_FLOAT);
          t.add_dims(a.floats_size());
          for (float f : a.floats()) t.add_float_data(f);
          set = true;
        } else if (a.name() == "value_int") {
          t.set_data_type(onnx::TensorProto_DataType_INT64);
          t.add_int64_data(a.i());
          set = true;
        } else if (a.name() == "value_ints") {
          t.set_data_type(onnx::TensorProto_DataType_INT64);
          t.add_dims(a.ints_size());
          for (int64_t v : a.ints()) t.add_int64_data(v);
          set = true;
        } else {
          return InvalidArgument(label + ": attribute '" + a.name() + "' is not supported");
        }
      }
      if (!set) return InvalidArgument(label + ": has no value");
      t.set_name(np.output(0));
      ASSIGN_OR_RETURN(Initializer init,
                       ToInitializer(t, np.output(0), options.keep_weights, file));
      init_names.insert(np.output(0));
      g.initializers.push_back(std::move(init));
      constant_storage.push_back(t);
      const_tensors[np.output(0)] = &constant_storage.back();
      continue;
    }
    Node n;
    n.name = np.name().empty() ? np.op_type() + "_" + std::to_string(i) : np.name();
    while (!node_names.insert(n.name).second) n.name += "_";
    n.op_type = np.op_type();
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
    const std::string& doc = np.doc_string();
    if (doc.rfind(kLayerTag, 0) == 0) n.layer = doc.substr(std::strlen(kLayerTag));
    for (const onnx::AttributeProto& a : np.attribute()) {
      ASSIGN_OR_RETURN(n.attrs[a.name()], ToAttribute(a, label));
    }
    // Constant operands that the IR keeps as attributes.
    auto constant = [&](size_t idx, const char* what) -> Result<std::vector<double>> {
      auto it = const_tensors.find(n.inputs[idx]);
      if (it == const_tensors.end()) {
        return InvalidArgument(label + ": " + what + " '" + n.inputs[idx] +
                               "' must be a constant (an initializer or a Constant node)");
      }
      return TensorValues(*it->second, file);
    };
    auto is_constant = [&](size_t idx) {
      return idx < n.inputs.size() && const_tensors.count(n.inputs[idx]);
    };
    if (n.op_type == "Clip") {
      // Constant bounds become attributes; runtime bounds stay inputs.
      const char* names[] = {"", "min", "max"};
      bool all_constant = true;
      for (size_t k = 1; k < n.inputs.size(); ++k) {
        all_constant = all_constant && (n.inputs[k].empty() || is_constant(k));
      }
      if (all_constant) {
        for (size_t k = 1; k < n.inputs.size() && k < 3; ++k) {
          if (n.inputs[k].empty()) continue;
          ASSIGN_OR_RETURN(std::vector<double> v, constant(k, names[k]));
          if (v.size() != 1) return InvalidArgument(label + ": " + names[k] + " must be a scalar");
          n.attrs[names[k]] = Attribute::Float(static_cast<float>(v[0]));
        }
        n.inputs.resize(1);
      }
    } else if (n.op_type == "Reshape" && n.inputs.size() >= 2) {
      ASSIGN_OR_RETURN(std::vector<double> v, constant(1, "shape"));
      std::vector<int64_t> shape;
      for (double x : v) shape.push_back(static_cast<int64_t>(x));
      n.attrs["shape"] = Attribute::Ints(shape);
      n.inputs.resize(1);
    } else if (n.op_type == "Dropout") {
      if (n.inputs.size() >= 3 && is_constant(2)) {
        ASSIGN_OR_RETURN(std::vector<double> v, constant(2, "training_mode"));
        if (v.size() == 1 && v[0] != 0) {
          return InvalidArgument(label + ": training mode is not supported (inference only)");
        }
      }
      if (n.inputs.size() >= 2 && is_constant(1)) {
        ASSIGN_OR_RETURN(std::vector<double> v, constant(1, "ratio"));
        if (v.size() == 1) n.attrs["ratio"] = Attribute::Float(static_cast<float>(v[0]));
      }
      // Inference: the identity; a runtime ratio or training_mode stays an input.
      if (!(n.inputs.size() >= 2 && !is_constant(1)) &&
          !(n.inputs.size() >= 3 && !is_constant(2))) {
        n.inputs.resize(1);
      }
      if (auto it = n.attrs.find("is_test"); it != n.attrs.end() && it->second.i != 0) {
        n.attrs.erase(it);
      }
    } else if (n.op_type == "BatchNormalization") {
      if (auto it = n.attrs.find("spatial"); it != n.attrs.end() && it->second.i == 1) {
        n.attrs.erase(it);
      }
      if (auto it = n.attrs.find("is_test"); it != n.attrs.end() && it->second.i != 0) {
        n.attrs.erase(it);
      }
    }
    g.nodes.push_back(std::move(n));
  }
  // Drop constants that only fed folded operands.
  std::set<std::string> used;
  for (const Node& n : g.nodes) used.insert(n.inputs.begin(), n.inputs.end());
  for (const onnx::ValueInfoProto& o : gp.output()) used.insert(o.name());
  std::vector<Initializer> kept;
  for (Initializer& init : g.initializers) {
    if (used.count(init.info.name)) kept.push_back(std::move(init));
  }
  g.initializers = std::move(kept);
  for (const onnx::ValueInfoProto& o : gp.output())
    g.outputs.push_back(TensorInfo{o.name(), {}, {}});
  if (g.outputs.empty()) return Err(file, "the model has no outputs");

  Status s = InferShapes(&g);
  if (!s.ok()) return s.WithContext(file);

  // Our shapes must agree with ONNX shape inference wherever it knows them.
  for (const onnx::ValueInfoProto& vi : gp.value_info()) {
    const TensorInfo* ours = g.FindTensor(vi.name());
    if (!ours || !vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) continue;
    Shape theirs;
    bool known = true;
    for (const auto& d : vi.type().tensor_type().shape().dim()) {
      known = known && d.has_dim_value();
      theirs.push_back(d.dim_value());
    }
    if (known && theirs != ours->shape) {
      return Err(file, "tensor '" + vi.name() + "': ONNX shape inference gives " +
                           ShapeString(theirs) + ", distcnn " + ShapeString(ours->shape));
    }
  }
  return g;
}

void SetShape(onnx::ValueInfoProto* vi, const TensorInfo& t) {
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(static_cast<int>(t.dtype));
  auto* shape = tt->mutable_shape();
  shape->clear_dim();
  for (int64_t d : t.shape) shape->add_dim()->set_dim_value(d);
}

}  // namespace

Result<Graph> ImportOnnxBytes(std::string_view bytes, const std::string& file,
                              const OnnxImportOptions& options) {
  if (bytes.empty()) return Err(file, "empty file; not an ONNX model");
  onnx::ModelProto m;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Err(file,
               "not an ONNX model: the protobuf does not parse (truncated or another "
               "file format)");
  }
  if (m.ir_version() <= 0 || !m.has_graph() || m.graph().node_size() == 0) {
    return Err(file, "not an ONNX model (no ir_version or no graph with operators)");
  }
  for (const auto& op : m.opset_import()) {
    if ((op.domain().empty() || op.domain() == "ai.onnx") && op.version() > 17) {
      return Err(file, "opset " + std::to_string(op.version()) +
                           " is newer than this libonnx (1.12, opset 17) supports");
    }
  }
  ASSIGN_OR_RETURN(Graph probe, Convert(m, file, OnnxImportOptions{options.dim_sizes, false}));
  // Fix the dynamic dimensions we were given sizes for, then let ONNX check
  // and infer shapes.
  for (auto& vi : *m.mutable_graph()->mutable_input()) {
    for (const TensorInfo& t : probe.inputs) {
      if (t.name == vi.name()) SetShape(&vi, t);
    }
  }
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    return Err(file, "the ONNX checker rejects the model: " + ExceptionMessage(e));
  }
  try {
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception& e) {
    return Err(file, "ONNX shape inference fails: " + ExceptionMessage(e));
  }
  return Convert(m, file, options);
}

Result<Graph> ImportOnnxFile(const std::string& path, const OnnxImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, path + ": cannot open (no such file?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError(path + ": read error");
  return ImportOnnxBytes(ss.str(), path, options);
}

Result<Initializer> ReadOnnxTensorFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, path + ": cannot open (no such file?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError(path + ": read error");
  onnx::TensorProto t;
  if (!t.ParseFromString(ss.str())) return Err(path, "not a serialized ONNX TensorProto");
  if (IsExternal(t)) return Err(path, "external data is not supported");
  return ToInitializer(t, t.name(), /*keep=*/true, path);
}

Result<std::string> ExportOnnxBytes(const Graph& g) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("distcnn");
  m.set_producer_version("0.1");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  onnx::GraphProto* gp = m.mutable_graph();
  gp->set_name(g.name);
  for (const TensorInfo& t : g.inputs) {
    auto* vi = gp->add_input();
    vi->set_name(t.name);
    SetShape(vi, t);
  }
  for (const TensorInfo& t : g.outputs) {
    auto* vi = gp->add_output();
    vi->set_name(t.name);
    SetShape(vi, t);
  }
  for (const Initializer& init : g.initializers) {
    auto* t = gp->add_initializer();
    t->set_name(init.info.name);
    t->set_data_type(static_cast<int>(init.info.dtype));
    for (int64_t d : init.info.shape) t->add_dims(d);
    t->set_raw_data(RawBytes(init));
  }
  auto add_const = [&](const std::string& name, DataType dt, Shape shape, const void* data,
                       size_t bytes) {
    auto* t = gp->add_initializer();
    t->set_name(name);
    t->set_data_type(static_cast<int>(dt));
    for (int64_t d : shape) t->add_dims(d);
    t->set_raw_data(std::string(static_cast<const char*>(data), bytes));
  };
  for (const Node& n : g.nodes) {
    auto* np = gp->add_node();
    np->set_name(n.name);
    np->set_op_type(n.op_type);
    for (const std::string& in : n.inputs) np->add_input(in);
    for (const std::string& out : n.outputs) np->add_output(out);
    if (!n.layer.empty()) np->set_doc_string(kLayerTag + n.layer);
    for (const auto& [key, a] : n.attrs) {
      if (n.op_type == "Clip" && (key == "min" || key == "max")) continue;
      if (n.op_type == "Reshape" && key == "shape") continue;
      if (n.op_type == "Dropout" && key == "ratio") continue;
      auto* ap = np->add_attribute();
      ap->set_name(key);
      switch (a.kind) {
        case Attribute::Kind::kInt:
          ap->set_type(onnx::AttributeProto::INT);
          ap->set_i(a.i);
          break;
        case Attribute::Kind::kFloat:
          ap->set_type(onnx::AttributeProto::FLOAT);
          ap->set_f(a.f);
          break;
        case Attribute::Kind::kString:
          ap->set_type(onnx::AttributeProto::STRING);
          ap->set_s(a.s);
          break;
        case Attribute::Kind::kInts:
          ap->set_type(onnx::AttributeProto::INTS);
          for (int64_t v : a.ints) ap->add_ints(v);
          break;
        case Attribute::Kind::kFloats:
          ap->set_type(onnx::AttributeProto::FLOATS);
          for (float v : a.floats) ap->add_floats(v);
          break;
      }
    }
    // Opset 13 takes these as inputs.
    if (n.op_type == "Clip") {
      for (const char* k : {"min", "max"}) {
        auto it = n.attrs.find(k);
        if (it == n.attrs.end()) {
          np->add_input("");
          continue;
        }
        const std::string name = n.name + "." + k;
        add_const(name, DataType::kFloat32, {}, &it->second.f, sizeof(float));
        np->add_input(name);
      }
      while (np->input_size() > 1 && np->input(np->input_size() - 1).empty()) {
        np->mutable_input()->RemoveLast();
      }
    } else if (n.op_type == "Dropout" && n.attrs.count("ratio")) {
      const float ratio = n.GetFloat("ratio", 0.5f);
      const std::string name = n.name + ".ratio";
      add_const(name, DataType::kFloat32, {}, &ratio, sizeof(float));
      np->add_input(name);
    } else if (n.op_type == "Reshape") {
      const std::vector<int64_t> shape = n.GetInts("shape", {});
      const std::string name = n.name + ".shape";
      add_const(name, DataType::kInt64, {static_cast<int64_t>(shape.size())}, shape.data(),
                shape.size() * sizeof(int64_t));
      np->add_input(name);
    }
  }
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    return InvalidArgument("exported model '" + g.name +
                           "' fails the ONNX checker: " + ExceptionMessage(e));
  }
  std::string out;
  if (!m.SerializeToString(&out)) {
    return InvalidArgument("model '" + g.name + "' cannot be serialised (over 2 GB?)");
  }
  return out;
}

Status ExportOnnxFile(const Graph& graph, const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ExportOnnxBytes(graph));
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IoError(path + ": cannot write");
  return Status::Ok();
}

}  // namespace distcnn
