#include "distcnn/runtime/split_slices.h"

#include <algorithm>
#include <map>
#include <set>

#include "distcnn/profile/split_rules.h"

namespace distcnn {

namespace {

int64_t Product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

// A float32 initializer's values [begin, end) along `axis`, the rest whole.
Initializer SliceAlong(const Initializer& init, size_t axis, int64_t begin, int64_t end) {
  const Shape& s = init.info.shape;
  std::vector<float> generated;  // seeded or raw values; explicit ones are read in place
  if (init.floats.empty()) generated = FloatValues(init);
  const std::vector<float>& values = init.floats.empty() ? generated : init.floats;
  const int64_t outer = Product(s, 0, axis);
  const int64_t dim = s[axis];
  const int64_t inner = Product(s, axis + 1, s.size());
  Initializer out;
  out.info = init.info;
  out.info.shape[axis] = end - begin;
  out.floats.reserve(static_cast<size_t>(outer * (end - begin) * inner));
  for (int64_t o = 0; o < outer; ++o) {
    const auto first = values.begin() + (o * dim + begin) * inner;
    out.floats.insert(out.floats.end(), first, first + (end - begin) * inner);
  }
  return out;
}

// What the split rules need to know about a layer (split_profile.cc reads the
// same things off the whole model).
struct Cut {
  const Graph* g = nullptr;
  size_t w = 0;  // the weighted op
  size_t e = 0;  // one past the channel-local run after it
  const Node* wop = nullptr;
  const Initializer* weight = nullptr;
  const Initializer* bias = nullptr;  // Conv B, Gemm C
  int in_axis = 1;                    // of the weighted op's data input
  int out_axis = 1;                   // of its output (-1: none)
  int64_t group = 1;
  int64_t out_units = 0;
  int64_t in_units = 0;
  std::string layer;  // for messages
};

Result<Cut> Analyse(const LayerSlice& layer, const std::string& weighted_op) {
  Cut c;
  c.g = &layer.graph;
  c.layer = layer.name;
  const Graph& g = layer.graph;
  const std::string at = "layer '" + layer.name + "'";
  const size_t n = g.nodes.size();
  c.w = n;
  for (size_t k = 0; k < n; ++k) {
    if (g.nodes[k].name == weighted_op) c.w = k;
  }
  if (c.w == n) return InvalidArgument(at + ": no op '" + weighted_op + "' to split");
  c.wop = &g.nodes[c.w];
  const Node& wop = *c.wop;
  if (wop.inputs.size() < 2 || !(c.weight = g.FindInitializer(wop.inputs[1]))) {
    return InvalidArgument(at + ": op '" + wop.name + "' has no constant weight");
  }
  if (c.weight->info.dtype != DataType::kFloat32) {
    return InvalidArgument(at + ": op '" + wop.name + "' has weights that are not float32");
  }
  if (wop.inputs.size() > 2 && !wop.inputs[2].empty()) {
    c.bias = g.FindInitializer(wop.inputs[2]);
    if (!c.bias) return InvalidArgument(at + ": op '" + wop.name + "' has a bias that varies");
  }
  // Only a chain of shape ops may lead from the layer input to the weighted op.
  std::string x = wop.inputs[0];
  for (size_t k = c.w; k-- > 0;) {
    const Node& pre = g.nodes[k];
    if (!IsShapeOp(pre.op_type) || pre.outputs[0] != x) {
      return InvalidArgument(at + ": op '" + pre.name + "' (" + pre.op_type +
                             ") before the split op is not a shape op");
    }
    x = pre.inputs[0];
  }
  const Shape& ws = c.weight->info.shape;
  const TensorInfo* win = g.FindTensor(wop.inputs[0]);
  const TensorInfo* wout = g.FindTensor(wop.outputs[0]);
  if (!win || !wout) return InvalidArgument(at + ": op '" + wop.name + "' has no shapes");
  if (wop.op_type == "Conv") {
    c.group = wop.GetInt("group", 1);
    c.out_units = c.group == 1 ? ws[0] : c.group;
    c.in_units = c.group == 1 ? ws[1] : 0;
  } else if (wop.op_type == "Gemm") {
    const bool trans_b = wop.GetInt("transB", 0) != 0;
    c.out_units = trans_b ? ws[0] : ws[1];
    c.in_units = trans_b ? ws[1] : ws[0];
    c.in_axis = wop.GetInt("transA", 0) != 0 ? 0 : 1;
  } else if (wop.op_type == "MatMul" && ws.size() >= 2) {
    c.out_units = ws.back();
    c.in_units = ws[ws.size() - 2];
    c.in_axis = static_cast<int>(win->shape.size()) - 1;
    c.out_axis = static_cast<int>(wout->shape.size()) - 1;
  } else {
    return InvalidArgument(at + ": op '" + wop.name + "' (" + wop.op_type + ") cannot be split");
  }
  // The channel-local run, as the profile finds it.
  std::map<std::string, int> consumers;
  for (const Node& node : g.nodes) {
    for (const std::string& in : std::set<std::string>(node.inputs.begin(), node.inputs.end())) {
      if (!in.empty()) ++consumers[in];
    }
  }
  std::string cur = wop.outputs[0];
  c.e = c.w + 1;
  while (c.e < n && consumers[cur] == 1 && cur != layer.output() &&
         IsChannelLocal(g, g.nodes[c.e], cur, c.out_axis)) {
    cur = g.nodes[c.e].outputs[0];
    ++c.e;
  }
  return c;
}

// `g` with its input, one output, the nodes and the initializers they read
// (taken from `weights` first, else from `from`); shapes inferred.
Result<Graph> Assemble(const std::string& name, const Graph& from, TensorInfo input,
                       const std::string& output, std::vector<Node> nodes,
                       const std::map<std::string, Initializer>& weights) {
  Graph g;
  g.name = name;
  g.inputs.push_back(std::move(input));
  std::set<std::string> added;
  for (const Node& node : nodes) {
    for (const std::string& in : node.inputs) {
      if (in.empty() || added.count(in)) continue;
      if (auto it = weights.find(in); it != weights.end()) {
        g.initializers.push_back(it->second);
        added.insert(in);
      } else if (const Initializer* init = from.FindInitializer(in)) {
        g.initializers.push_back(*init);
        added.insert(in);
      }
    }
  }
  g.nodes = std::move(nodes);
  const TensorInfo* out = from.FindTensor(output);
  g.outputs.push_back(TensorInfo{output, out ? out->dtype : DataType::kFloat32, {}});
  RETURN_IF_ERROR(InferShapes(&g).WithContext(name));
  return g;
}

// Where a range of the weighted op's data input lies in the layer input: the
// dims before `axis` must be 1, so that the range is contiguous.
Result<TensorRange> InputRange(const Cut& c, int axis, int64_t begin, int64_t end) {
  const Shape& s = c.g->FindTensor(c.wop->inputs[0])->shape;
  if (axis < 0 || static_cast<size_t>(axis) >= s.size() ||
      Product(s, 0, static_cast<size_t>(axis)) != 1) {
    return InvalidArgument("layer '" + c.layer + "': the input of '" + c.wop->name + "' " +
                           ShapeString(s) + " cannot be cut along axis " + std::to_string(axis) +
                           " into one contiguous range (a batch above 1?)");
  }
  TensorRange r;
  r.shape = s;
  r.shape[static_cast<size_t>(axis)] = end - begin;
  r.offset = begin * Product(s, static_cast<size_t>(axis) + 1, s.size());
  return r;
}

Status CheckRange(const Cut& c, int64_t begin, int64_t end, int64_t units, const char* what) {
  if (begin < 0 || begin >= end || end > units) {
    return InvalidArgument("layer '" + c.layer + "': " + what + " [" + std::to_string(begin) +
                           ", " + std::to_string(end) + ") is not within its " +
                           std::to_string(units) + " split units");
  }
  return Status::Ok();
}

}  // namespace

Result<Tensor> CutTensorRange(const Tensor& x, const TensorRange& range) {
  if (range.axis < 0) {
    if (range.offset < 0 || range.offset + range.count() > x.size()) {
      return InvalidArgument("range of " + std::to_string(range.count()) + " elements at " +
                             std::to_string(range.offset) + " is outside a tensor of " +
                             std::to_string(x.size()));
    }
    const auto first = x.data.begin() + range.offset;
    return Tensor(range.shape, std::vector<float>(first, first + range.count()));
  }
  const auto axis = static_cast<size_t>(range.axis);
  bool fits = x.shape.size() == range.shape.size() && axis < x.shape.size() && range.offset >= 0 &&
              range.offset + range.shape[axis] <= x.shape[axis];
  for (size_t i = 0; fits && i < x.shape.size(); ++i) {
    fits = i == axis || x.shape[i] == range.shape[i];
  }
  if (!fits) {
    return InvalidArgument("band " + ShapeString(range.shape) + " at " +
                           std::to_string(range.offset) + " along axis " +
                           std::to_string(range.axis) + " is not within a tensor of shape " +
                           ShapeString(x.shape));
  }
  const int64_t outer = Product(x.shape, 0, axis);
  const int64_t inner = Product(x.shape, axis + 1, x.shape.size());
  const int64_t block = range.shape[axis] * inner;
  Tensor out(range.shape);
  auto at = out.data.begin();
  for (int64_t o = 0; o < outer; ++o) {
    at = std::copy_n(x.data.begin() + (o * x.shape[axis] + range.offset) * inner, block, at);
  }
  return out;
}

int64_t WeightBytes(const Graph& graph) {
  int64_t bytes = 0;
  for (const Initializer& init : graph.initializers) {
    bytes += NumElements(init.info.shape) * DataTypeBytes(init.info.dtype);
  }
  return bytes;
}

Result<PartSlice> OutChannelsPart(const LayerSlice& layer, const std::string& weighted_op,
                                  int64_t begin, int64_t end) {
  ASSIGN_OR_RETURN(const Cut c, Analyse(layer, weighted_op));
  RETURN_IF_ERROR(CheckRange(c, begin, end, c.out_units, "output units"));
  const Graph& g = layer.graph;
  const Node& wop = *c.wop;
  std::map<std::string, Initializer> weights;
  Node part_op = wop;
  // The output channels [c0, c1) of the weighted op (conv: whole groups).
  int64_t c0 = begin, c1 = end;
  PartSlice part;
  TensorInfo input = *g.FindTensor(wop.inputs[0]);
  part.input = TensorRange{0, input.shape};
  if (wop.op_type == "Conv") {
    // Units are filters, or whole groups of a grouped conv.
    const int64_t per_group = c.group == 1 ? 1 : c.weight->info.shape[0] / c.group;
    c0 = begin * per_group;
    c1 = end * per_group;
    weights[wop.inputs[1]] = SliceAlong(*c.weight, 0, c0, c1);
    if (c.group > 1) {
      const int64_t in_per_group = c.weight->info.shape[1];
      ASSIGN_OR_RETURN(part.input, InputRange(c, 1, begin * in_per_group, end * in_per_group));
      input.shape = part.input.shape;
      part_op.attrs["group"] = Attribute::Int(end - begin);
    }
  } else if (wop.op_type == "Gemm") {
    const bool trans_b = wop.GetInt("transB", 0) != 0;
    weights[wop.inputs[1]] = SliceAlong(*c.weight, trans_b ? 0 : 1, begin, end);
  } else {  // MatMul
    weights[wop.inputs[1]] = SliceAlong(*c.weight, c.weight->info.shape.size() - 1, begin, end);
  }
  const int64_t channels = g.FindTensor(wop.outputs[0])->shape[static_cast<size_t>(c.out_axis)];
  if (c.bias) {
    const Shape& bs = c.bias->info.shape;
    // A per-output bias ([N], [M, N], [O]) is cut; a broadcast scalar stays whole.
    if (!bs.empty() && bs.back() == channels) {
      weights[c.bias->info.name] = SliceAlong(*c.bias, bs.size() - 1, c0, c1);
    }
  }
  std::vector<Node> nodes = {part_op};
  for (size_t k = c.w + 1; k < c.e; ++k) {
    const Node& node = g.nodes[k];
    // Per-channel parameters (BatchNormalization's, a per-channel Add or Mul).
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const Initializer* init =
          node.inputs[i].empty() ? nullptr : g.FindInitializer(node.inputs[i]);
      if (!init || weights.count(init->info.name)) continue;
      const Shape& s = init->info.shape;
      if (node.op_type == "BatchNormalization" && s.size() == 1 && s[0] == channels) {
        weights[init->info.name] = SliceAlong(*init, 0, c0, c1);
      } else if (node.op_type == "Add" || node.op_type == "Mul") {
        const Shape& x = g.FindTensor(node.outputs[0])->shape;
        const size_t offset = x.size() - s.size();
        const size_t axis = static_cast<size_t>(c.out_axis);
        if (axis >= offset && s[axis - offset] == channels) {
          weights[init->info.name] = SliceAlong(*init, axis - offset, c0, c1);
        }
      }
    }
    nodes.push_back(node);
  }
  ASSIGN_OR_RETURN(
      part.graph,
      Assemble(g.name + ".out[" + std::to_string(begin) + ":" + std::to_string(end) + "]", g, input,
               g.nodes[c.e - 1].outputs[0], std::move(nodes), weights));
  return part;
}

Result<MergeSlice> OutChannelsMerge(const LayerSlice& layer, const std::string& weighted_op) {
  ASSIGN_OR_RETURN(const Cut c, Analyse(layer, weighted_op));
  const Graph& g = layer.graph;
  MergeSlice merge;
  const TensorInfo combined = *g.FindTensor(g.nodes[c.e - 1].outputs[0]);
  merge.combined = combined.shape;
  merge.concat_axis = c.out_axis;
  if (c.e == g.nodes.size()) {
    merge.graph.name = g.name + ".merge";
    return merge;  // nothing after the channel-local run
  }
  std::vector<Node> nodes(g.nodes.begin() + static_cast<std::ptrdiff_t>(c.e), g.nodes.end());
  ASSIGN_OR_RETURN(merge.graph,
                   Assemble(g.name + ".merge", g, combined, layer.output(), std::move(nodes), {}));
  return merge;
}

Result<PartSlice> InChannelsPart(const LayerSlice& layer, const std::string& weighted_op,
                                 int64_t begin, int64_t end) {
  ASSIGN_OR_RETURN(const Cut c, Analyse(layer, weighted_op));
  if (c.group != 1) {
    return InvalidArgument("layer '" + layer.name +
                           "': a grouped conv cannot be split by input channels");
  }
  RETURN_IF_ERROR(CheckRange(c, begin, end, c.in_units, "input units"));
  const Graph& g = layer.graph;
  Node part_op = *c.wop;
  part_op.inputs.resize(2);  // the bias is added at the merge unit
  std::map<std::string, Initializer> weights;
  const Shape& ws = c.weight->info.shape;
  size_t axis = 1;  // of the weight: Conv [O, C, k, k]
  if (part_op.op_type == "Gemm") {
    axis = part_op.GetInt("transB", 0) != 0 ? 1 : 0;
  } else if (part_op.op_type == "MatMul") {
    axis = ws.size() - 2;
  }
  weights[c.weight->info.name] = SliceAlong(*c.weight, axis, begin, end);
  PartSlice part;
  ASSIGN_OR_RETURN(part.input, InputRange(c, c.in_axis, begin, end));
  TensorInfo input = *g.FindTensor(c.wop->inputs[0]);
  input.shape = part.input.shape;
  ASSIGN_OR_RETURN(part.graph, Assemble(g.name + ".in[" + std::to_string(begin) + ":" +
                                            std::to_string(end) + "]",
                                        g, input, c.wop->outputs[0], {part_op}, weights));
  return part;
}

Result<MergeSlice> InChannelsMerge(const LayerSlice& layer, const std::string& weighted_op) {
  ASSIGN_OR_RETURN(const Cut c, Analyse(layer, weighted_op));
  const Graph& g = layer.graph;
  const Node& wop = *c.wop;
  MergeSlice merge;
  TensorInfo combined = *g.FindTensor(wop.outputs[0]);
  merge.combined = combined.shape;
  std::vector<Node> nodes;
  std::map<std::string, Initializer> weights;
  if (c.bias) {
    // The parts' sum plus the bias, under the weighted op's output name.
    Initializer bias = *c.bias;
    if (wop.op_type == "Conv") {  // [O] -> [O, 1, ...] to broadcast over the spatial dims
      bias.info.shape.resize(combined.shape.size() - 1, 1);
    } else if (wop.op_type == "Gemm") {
      const float beta = wop.GetFloat("beta", 1.0f);
      if (beta != 1.0f) {
        bias.floats = FloatValues(*c.bias);
        for (float& v : bias.floats) v *= beta;
        bias.seed.reset();
        bias.raw.clear();
      }
    }
    weights[bias.info.name] = bias;
    combined.name = wop.outputs[0] + ".sum";
    Node add;
    add.name = wop.name + ".bias";
    add.op_type = "Add";
    add.inputs = {combined.name, bias.info.name};
    add.outputs = {wop.outputs[0]};
    nodes.push_back(std::move(add));
  }
  nodes.insert(nodes.end(), g.nodes.begin() + static_cast<std::ptrdiff_t>(c.w) + 1, g.nodes.end());
  if (nodes.empty()) {
    merge.graph.name = g.name + ".merge";
    return merge;
  }
  ASSIGN_OR_RETURN(merge.graph, Assemble(g.name + ".merge", g, combined, layer.output(),
                                         std::move(nodes), weights));
  return merge;
}

Result<PartSlice> SpatialPart(std::span<const LayerSlice> stack,
                              const std::vector<RowWindow>& row_ops, RowRange out) {
  if (stack.empty()) return InvalidArgument("a spatial stack of no layers");
  const std::string at = "spatial stack '" + stack.front().name + "'..'" + stack.back().name + "'";
  // The stack's ops, in order, each reading the previous one's output.
  std::vector<Node> nodes;
  std::map<std::string, Initializer> weights;
  std::vector<const Graph*> owner;  // the slice each op comes from
  for (size_t l = 0; l < stack.size(); ++l) {
    const LayerSlice& layer = stack[l];
    if (layer.exit) return InvalidArgument(at + ": layer '" + layer.name + "' is a gate");
    if (l > 0 && layer.input() != stack[l - 1].output()) {
      return InvalidArgument(at + ": layer '" + layer.name + "' does not read '" +
                             stack[l - 1].output() + "'");
    }
    for (const Initializer& init : layer.graph.initializers) weights[init.info.name] = init;
    for (const Node& node : layer.graph.nodes) {
      nodes.push_back(node);
      owner.push_back(&layer.graph);
    }
    if (layer.graph.nodes.empty() || layer.graph.nodes.back().outputs[0] != layer.output()) {
      return InvalidArgument(at + ": layer '" + layer.name + "' does not end with its output");
    }
  }
  if (nodes.size() != row_ops.size()) {
    return InvalidArgument(at + ": " + std::to_string(nodes.size()) + " ops, but " +
                           std::to_string(row_ops.size()) + " row windows");
  }
  if (out.begin < 0 || out.begin >= out.end || out.end > row_ops.back().out_rows) {
    return InvalidArgument(at + ": rows [" + std::to_string(out.begin) + ", " +
                           std::to_string(out.end) + ") are not within its " +
                           std::to_string(row_ops.back().out_rows) + " output rows");
  }
  const std::vector<RowRange> rows = BandRows(row_ops, out);
  std::string data = stack.front().input();
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& node = nodes[i];
    const RowWindow& w = row_ops[i];
    const TensorInfo* x = owner[i]->FindTensor(data);
    const TensorInfo* y = owner[i]->FindTensor(node.outputs[0]);
    if (node.inputs.empty() || node.inputs[0] != data || !x || !y || x->shape.size() != 4 ||
        y->shape.size() != 4 || x->shape[2] != w.in_rows || y->shape[2] != w.out_rows) {
      return InvalidArgument(at + ": op '" + node.name + "' (" + node.op_type +
                             ") is not the row window the profile gives (rows " +
                             std::to_string(w.in_rows) + " -> " + std::to_string(w.out_rows) + ")");
    }
    if (node.op_type == "Conv" || node.op_type == "MaxPool" || node.op_type == "AveragePool") {
      const BandPads band = PadsForBand(w, rows[i], rows[i + 1]);
      std::vector<int64_t> pads = node.GetInts("pads", {0, 0, 0, 0});
      if (node.GetString("auto_pad", "NOTSET") == "VALID") pads = {0, 0, 0, 0};
      if (pads.size() != 4) return InvalidArgument(at + ": op '" + node.name + "' pads");
      pads[0] = band.top;
      pads[2] = band.bottom;
      node.attrs.erase("auto_pad");
      node.attrs["pads"] = Attribute::Ints(pads);
      // With the bottom padding explicit, flooring yields exactly the band's
      // rows: ((out.end - 1) s + kernel - out.begin s - kernel) / s + 1.
      if (node.op_type == "MaxPool") node.attrs.erase("ceil_mode");
    }
    data = node.outputs[0];
  }
  TensorInfo input = stack.front().graph.inputs.front();
  input.shape[2] = rows.front().size();
  PartSlice part;
  part.input = TensorRange{rows.front().begin, input.shape, 2};
  ASSIGN_OR_RETURN(part.graph,
                   Assemble(stack.back().graph.name + ".rows[" + std::to_string(out.begin) + ":" +
                                std::to_string(out.end) + "]",
                            stack.back().graph, input, stack.back().output(), nodes, weights));
  // Every op computes exactly the rows its band needs.
  for (size_t i = 0; i < nodes.size(); ++i) {
    const TensorInfo* y = part.graph.FindTensor(nodes[i].outputs[0]);
    if (!y || y->shape.size() != 4 || y->shape[2] != rows[i + 1].size()) {
      return InvalidArgument(at + ": op '" + nodes[i].name + "' yields " +
                             (y ? ShapeString(y->shape) : std::string("nothing")) + ", not " +
                             std::to_string(rows[i + 1].size()) + " rows");
    }
  }
  return part;
}

MergeSlice SpatialMerge(const LayerSlice& last) {
  MergeSlice merge;
  merge.graph.name = last.graph.name + ".merge";
  merge.combined = last.graph.outputs.front().shape;
  merge.concat_axis = 2;
  return merge;
}

}  // namespace distcnn
