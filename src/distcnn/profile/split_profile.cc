#include "distcnn/profile/split_profile.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "distcnn/profile/spatial_rows.h"
#include "distcnn/profile/split_rules.h"

namespace distcnn {

namespace {

int64_t Bytes(const TensorInfo& t) { return NumElements(t.shape) * DataTypeBytes(t.dtype); }

int64_t Product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

// What the fusion pass needs to know about a layer besides its LayerSplit.
struct SplitInfo {
  bool splittable = false;
  std::vector<const Node*> nodes;        // the layer's ops, in order
  std::map<std::string, int> consumers;  // tensor -> ops of this layer that read it
  std::string layer_input;     // the tensor the (shape ops before the) weighted op read(s)
  std::string weighted_input;  // the weighted op's data input
  int in_axis = 1;             // its input-channel axis
  std::string part_output;     // the last channel-local op's output (or the weighted op's)
  int out_axis = 1;            // its channel axis (-1: none)
  size_t run_end = 0;          // index of the first merge op after the weighted op
  std::string spatial_output;  // the last op's output, when the layer keeps rows local
};

}  // namespace

Result<std::vector<LayerSplit>> ProfileLayerSplits(const Graph& graph,
                                                   const ModelProfile& profile) {
  const std::vector<OpProfile>& ops = profile.ops;
  std::map<std::string, const Node*> node_by_name;
  for (const Node& n : graph.nodes) node_by_name.emplace(n.name, &n);
  std::set<std::string> graph_inputs, graph_outputs;
  for (const TensorInfo& t : graph.inputs) graph_inputs.insert(t.name);
  for (const TensorInfo& t : graph.outputs) graph_outputs.insert(t.name);

  // Which layer lists each op (for messages), then each op's node.
  std::vector<int> layer_of(ops.size(), -1);
  for (size_t j = 0; j < profile.layers.size(); ++j) {
    for (int i : profile.layers[j].ops) {
      if (i < 0 || static_cast<size_t>(i) >= ops.size()) {
        return InvalidArgument("layer '" + profile.layers[j].name + "': op index " +
                               std::to_string(i) + " is out of range (the profile has " +
                               std::to_string(ops.size()) + " ops)");
      }
      layer_of[i] = static_cast<int>(j);
    }
  }
  auto where = [&](size_t i) {
    return layer_of[i] >= 0 ? "layer '" + profile.layers[layer_of[i]].name + "'"
                            : std::string("profile of '" + profile.model + "'");
  };
  // Weights count at first use, in the profile's op order (as ProfileGraph
  // counts them): first_user[initializer] = the op index that holds it.
  std::vector<const Node*> node_of(ops.size(), nullptr);
  std::map<std::string, size_t> first_user;
  for (size_t i = 0; i < ops.size(); ++i) {
    auto it = node_by_name.find(ops[i].node);
    if (it == node_by_name.end()) {
      return InvalidArgument(where(i) + ": op '" + ops[i].node + "' is not in graph '" +
                             graph.name + "'");
    }
    const Node& n = *it->second;
    if (n.op_type != ops[i].op_type) {
      return InvalidArgument(where(i) + ": op '" + n.name + "' is a " + n.op_type +
                             " in the graph but a " + ops[i].op_type + " in the profile");
    }
    int64_t weight_bytes = 0;
    for (const std::string& in : n.inputs) {
      const Initializer* init = in.empty() ? nullptr : graph.FindInitializer(in);
      if (init && first_user.emplace(in, i).second) weight_bytes += Bytes(init->info);
    }
    const TensorInfo* out = n.outputs.empty() ? nullptr : graph.FindTensor(n.outputs[0]);
    if (!out) {
      return InvalidArgument(where(i) + ": op '" + n.name +
                             "' has no output shape (were shapes inferred?)");
    }
    if (weight_bytes != ops[i].weight_bytes || Bytes(*out) != ops[i].output_bytes) {
      return InvalidArgument(where(i) + ": op '" + n.name + "' has " +
                             std::to_string(ops[i].weight_bytes) + " weight bytes and " +
                             std::to_string(ops[i].output_bytes) +
                             " output bytes in the profile but " + std::to_string(weight_bytes) +
                             " and " + std::to_string(Bytes(*out)) + " in the graph");
    }
    node_of[i] = &n;
  }

  std::vector<LayerSplit> splits(profile.layers.size());
  std::vector<SplitInfo> infos(profile.layers.size());
  for (size_t j = 0; j < profile.layers.size(); ++j) {
    const LayerProfile& l = profile.layers[j];
    LayerSplit& s = splits[j];
    SplitInfo& info = infos[j];
    const size_t n = l.ops.size();
    std::set<std::string> produced;
    int64_t total_bytes = 0;
    double total_mults = 0;
    for (int i : l.ops) {
      const Node* node = node_of[i];
      info.nodes.push_back(node);
      for (const std::string& o : node->outputs) produced.insert(o);
      const std::set<std::string> reads(node->inputs.begin(), node->inputs.end());
      for (const std::string& in : reads) {
        if (!in.empty()) ++info.consumers[in];
      }
      total_bytes += ops[i].weight_bytes;
      total_mults += ops[i].mults;
    }
    if (total_bytes != l.weight_bytes ||
        std::abs(total_mults - l.mults) > 1e-9 * std::max(1.0, std::abs(l.mults))) {
      return InvalidArgument("layer '" + l.name +
                             "': its weight bytes or mults differ from the sum of its ops'");
    }
    auto op = [&](size_t k) -> const OpProfile& { return ops[l.ops[k]]; };

    // Input: the first tensor a layer op reads that is neither a weight nor
    // produced in the layer (after a gate: the tensor the gate also read). The
    // CNN's input counts as profile.input_bytes (all runtime inputs).
    for (size_t k = 0; k < n && info.layer_input.empty(); ++k) {
      for (const std::string& in : info.nodes[k]->inputs) {
        if (!in.empty() && !graph.FindInitializer(in) && !produced.count(in)) {
          info.layer_input = in;
          break;
        }
      }
    }
    if (graph_inputs.count(info.layer_input)) {
      s.input_bytes = profile.input_bytes;
    } else if (const TensorInfo* t = graph.FindTensor(info.layer_input)) {
      s.input_bytes = Bytes(*t);
    }

    // spatial: a chain of row-local ops from the layer's input (the stack is
    // cut to the CNN's leading run below).
    if (!l.exit) {
      std::string cur = info.layer_input;
      for (size_t k = 0; k < n; ++k) {
        RowWindow w;
        const bool last = k + 1 == n;
        if (!RowWindowOf(graph, *info.nodes[k], cur, op(k).mults, &w) ||
            (!last && (info.consumers[info.nodes[k]->outputs[0]] != 1 ||
                       graph_outputs.count(info.nodes[k]->outputs[0])))) {
          s.row_ops.clear();
          break;
        }
        s.row_ops.push_back(w);
        cur = info.nodes[k]->outputs[0];
      }
      const TensorInfo* in = graph.FindTensor(info.layer_input);
      const TensorInfo* out = graph.FindTensor(cur);
      if (!in || !out) s.row_ops.clear();
      if (!s.row_ops.empty()) {
        s.input_row_bytes = Bytes(*in) / s.row_ops.front().in_rows;
        s.output_row_bytes = Bytes(*out) / s.row_ops.back().out_rows;
        info.spatial_output = cur;
      }
    }

    // Unsplittable until shown otherwise: no parts, the whole layer is merge.
    s.out_merge_memory_bytes = s.in_merge_memory_bytes = total_bytes;
    s.out_merge_mults = s.in_merge_mults = total_mults;

    // The first weighted op: Conv, Gemm, or MatMul by a constant.
    size_t w = n;
    for (size_t k = 0; k < n && w == n; ++k) {
      const Node& node = *info.nodes[k];
      if (IsWeightedOp(node.op_type) &&
          (node.op_type != "MatMul" || graph.FindInitializer(node.inputs[1]))) {
        w = k;
      }
    }
    if (w == n) continue;  // no weighted op (pure pooling, ...): not splittable
    const Node& wop = *info.nodes[w];
    s.weighted_op = wop.name;
    if (l.exit) continue;  // gates are not split (this version)
    // Its weights must be a constant (a Conv or Gemm by an activation is not split).
    const Initializer* weight = graph.FindInitializer(wop.inputs[1]);
    if (!weight || graph.FindInitializer(wop.inputs[0])) continue;

    // Ops before it: only a chain of shape ops from the layer input to its data
    // input (free); anything else makes the layer unsplittable.
    std::string x = wop.inputs[0];
    bool chain = true;
    for (size_t k = w; k-- > 0 && chain;) {
      const Node& pre = *info.nodes[k];
      chain = IsShapeOp(pre.op_type) && pre.outputs[0] == x;
      x = pre.inputs[0];
    }
    if (!chain || produced.count(x)) continue;

    // Split units. Conv: filters (group == 1) or whole groups (group > 1, a
    // depthwise conv included: groups == channels) by output; input channels
    // by input, none for a grouped conv. Gemm: output features N and input
    // features K (transB respected). MatMul: the weight's last dim and the one
    // before it (the first dim of a 2-D weight).
    const Shape& ws = weight->info.shape;
    const TensorInfo* wout = graph.FindTensor(wop.outputs[0]);
    const TensorInfo* win = graph.FindTensor(wop.inputs[0]);
    if (!wout || !win) {
      return InvalidArgument("layer '" + l.name + "': op '" + wop.name + "' has no shapes");
    }
    if (wop.op_type == "Conv") {
      if (ws.size() < 2) return InvalidArgument("layer '" + l.name + "': bad Conv weight shape");
      const int64_t group = wop.GetInt("group", 1);
      s.out_units = group == 1 ? ws[0] : group;
      s.in_units = group == 1 ? ws[1] : 0;
      info.in_axis = info.out_axis = 1;
    } else if (wop.op_type == "Gemm") {
      if (ws.size() != 2) return InvalidArgument("layer '" + l.name + "': bad Gemm weight shape");
      const bool trans_b = wop.GetInt("transB", 0) != 0;
      s.out_units = trans_b ? ws[0] : ws[1];
      s.in_units = trans_b ? ws[1] : ws[0];
      info.in_axis = wop.GetInt("transA", 0) != 0 ? 0 : 1;
      info.out_axis = 1;
    } else {  // MatMul
      if (ws.empty()) return InvalidArgument("layer '" + l.name + "': bad MatMul weight shape");
      s.out_units = ws.size() >= 2 ? ws.back() : 1;  // a 1-D weight leaves no output axis
      s.in_units = ws.size() >= 2 ? ws[ws.size() - 2] : ws[0];
      info.in_axis = static_cast<int>(win->shape.size()) - 1;
      info.out_axis = ws.size() >= 2 ? static_cast<int>(wout->shape.size()) - 1 : -1;
    }
    // in_channels cuts the layer input into slices, so nothing but the weighted
    // op (through the shape-op chain) may read it: a residual block's shortcut
    // would need the whole input at the merge unit.
    if (info.consumers[x] != 1) s.in_units = 0;
    for (size_t k = 0; k < w; ++k) {
      if (info.consumers[info.nodes[k]->outputs[0]] != 1) s.in_units = 0;
    }

    // Channel-local ops: the maximal run right after the weighted op of ops
    // that each read only the previous one's output (nothing else reads it)
    // and keep channels separate. The rest of the layer is merge work.
    std::string cur = wop.outputs[0];
    size_t e = w + 1;
    while (e < n && info.consumers[cur] == 1 && !graph_outputs.count(cur) &&
           IsChannelLocal(graph, *info.nodes[e], cur, info.out_axis)) {
      cur = info.nodes[e]->outputs[0];
      ++e;
    }

    // The merge unit has only the gathered blocks: out_channels does not
    // apply when an op after the run reads anything else (a residual
    // shortcut reading the layer's input, which the merge would need again).
    std::set<std::string> at_merge = {cur};
    bool merge_self_contained = true;
    for (size_t k = e; k < n; ++k) {
      for (const std::string& in : info.nodes[k]->inputs) {
        merge_self_contained =
            merge_self_contained && (in.empty() || graph.FindInitializer(in) || at_merge.count(in));
      }
      for (const std::string& o : info.nodes[k]->outputs) at_merge.insert(o);
    }
    if (!merge_self_contained) {
      s.out_units = 0;
      if (s.in_units == 0) continue;  // nothing applies: the whole layer stays merge work
    }

    // out_channels: part = the weighted op (weights and bias) and the
    // channel-local run; merge = every other op of the layer.
    s.out_part_memory_bytes = 0;
    s.out_part_mults = 0;
    s.out_merge_memory_bytes = 0;
    s.out_merge_mults = 0;
    for (size_t k = 0; k < n; ++k) {
      const bool part = k >= w && k < e;
      (part ? s.out_part_memory_bytes : s.out_merge_memory_bytes) += op(k).weight_bytes;
      (part ? s.out_part_mults : s.out_merge_mults) += op(k).mults;
    }
    s.out_part_output_bytes = op(e - 1).output_bytes;
    if (s.out_units == 0) {  // in_channels only: out_channels keeps the whole layer as merge
      s.out_part_memory_bytes = s.out_part_output_bytes = 0;
      s.out_part_mults = 0;
      s.out_merge_memory_bytes = total_bytes;
      s.out_merge_mults = total_mults;
    }

    // in_channels: part = the weighted op's weight tensor (if this op holds it,
    // i.e. reads it first) and its mults; merge = the rest, bias included.
    const auto holder = first_user.find(wop.inputs[1]);
    s.in_part_memory_bytes =
        holder != first_user.end() && holder->second == static_cast<size_t>(l.ops[w])
            ? Bytes(weight->info)
            : 0;
    s.in_part_mults = op(w).mults;
    s.in_merge_memory_bytes = op(w).weight_bytes - s.in_part_memory_bytes;
    s.in_merge_mults = 0;
    for (size_t k = 0; k < n; ++k) {
      if (k == w) continue;
      s.in_merge_memory_bytes += op(k).weight_bytes;
      s.in_merge_mults += op(k).mults;
    }
    s.partial_sum_bytes = op(w).output_bytes;

    info.splittable = true;
    info.layer_input = x;
    info.weighted_input = wop.inputs[0];
    info.part_output = cur;
    info.run_end = e;
  }

  // spatial: only the CNN's leading stack, each layer reading the previous
  // one's output (the first, the CNN's input).
  bool stack = true;
  for (size_t j = 0; j < splits.size(); ++j) {
    const bool joins = j == 0 ? graph_inputs.count(infos[j].layer_input) > 0
                              : infos[j].layer_input == infos[j - 1].spatial_output;
    stack = stack && !splits[j].row_ops.empty() && joins;
    if (!stack) splits[j].row_ops.clear();
  }

  // fused (j with j+1): j splits by output and j+1 by input over the same
  // parts. Needs j's merge empty (0 mults, 0 bytes) and made of shape ops only
  // that carry j's part output to j+1's layer input; j+1 not a gate; and every
  // block of j's channels to map onto a contiguous block of j+1's input
  // channels: D_in(j+1) = k * D_out(j) with j's channel axis becoming j+1's
  // input-channel axis under the row-major relabelling of the shape ops
  // (conv -> conv: the same channels; conv -> Flatten -> Gemm: C*H*W = (H*W) * C).
  for (size_t j = 0; j + 1 < splits.size(); ++j) {
    const SplitInfo& a = infos[j];
    const SplitInfo& b = infos[j + 1];
    const LayerSplit& sa = splits[j];
    const LayerSplit& sb = splits[j + 1];
    if (!a.splittable || !b.splittable || profile.layers[j + 1].exit || !sa.out_channels_ok() ||
        !sb.in_channels_ok() || sa.out_merge_mults != 0 || sa.out_merge_memory_bytes != 0) {
      continue;
    }
    std::string t = a.part_output;
    bool ok = true;
    for (size_t k = a.run_end; k < a.nodes.size() && ok; ++k) {
      const Node& node = *a.nodes[k];
      ok = IsShapeOp(node.op_type) && node.inputs[0] == t && a.consumers.at(t) == 1;
      t = node.outputs[0];
    }
    if (!ok || t != b.layer_input || sb.in_units % sa.out_units != 0) continue;
    const Shape& ts = graph.FindTensor(a.part_output)->shape;
    const Shape& us = graph.FindTensor(b.weighted_input)->shape;
    if (a.out_axis < 0 || a.out_axis >= static_cast<int>(ts.size()) || b.in_axis < 0 ||
        b.in_axis >= static_cast<int>(us.size())) {
      continue;
    }
    const size_t ax = static_cast<size_t>(a.out_axis), bx = static_cast<size_t>(b.in_axis);
    const int64_t post = Product(ts, ax + 1, ts.size());
    const int64_t next_post = Product(us, bx + 1, us.size());
    splits[j].fusable_with_next = Product(ts, 0, ax) == Product(us, 0, bx) &&
                                  us[bx] * next_post == ts[ax] * post && next_post > 0 &&
                                  post % next_post == 0;
  }
  return splits;
}

}  // namespace distcnn
