#include "distcnn/profile/profiler.h"

#include <algorithm>
#include <map>
#include <set>

namespace distcnn {

const char* GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kOp:
      return "op";
    case Granularity::kLayer:
      return "layer";
    case Granularity::kBlock:
      return "block";
  }
  return "layer";
}

Result<Granularity> ParseGranularity(const std::string& name) {
  if (name == "op") return Granularity::kOp;
  if (name == "layer") return Granularity::kLayer;
  if (name == "block") return Granularity::kBlock;
  return InvalidArgument("unknown granularity '" + name + "' (op, layer or block)");
}

namespace {

int64_t Bytes(const TensorInfo& t) { return NumElements(t.shape) * DataTypeBytes(t.dtype); }

double OpMults(const Graph& g, const Node& n, const TensorInfo& out) {
  const double out_elems = static_cast<double>(NumElements(out.shape));
  const std::string& op = n.op_type;
  const TensorInfo& x = *g.FindTensor(n.inputs[0]);
  if (op == "Conv") {
    const Shape& w = g.FindTensor(n.inputs[1])->shape;
    return out_elems * static_cast<double>(NumElements(Shape(w.begin() + 1, w.end())));
  }
  if (op == "Gemm") {
    const bool ta = n.GetInt("transA", 0) != 0;
    return out_elems * static_cast<double>(ta ? x.shape[0] : x.shape[1]);
  }
  if (op == "MatMul") return out_elems * static_cast<double>(x.shape.back());
  if (op == "MaxPool" || op == "AveragePool") {
    return out_elems * static_cast<double>(NumElements(n.GetInts("kernel_shape", {})));
  }
  if (op == "GlobalAveragePool") return static_cast<double>(NumElements(x.shape));
  if (op == "LRN") return out_elems * static_cast<double>(n.GetInt("size", 1));
  if (op == "BatchNormalization" || op == "Mul" || op == "LeakyRelu" || op == "Sigmoid" ||
      op == "Softmax") {
    return out_elems;
  }
  return 0;  // Relu, Clip, Add, Concat, Flatten, Reshape, Dropout, Identity
}

// Spatial key of a tensor for block grouping: its dimensions after N and C,
// or "flat" for rank <= 2.
std::string SpatialKey(const TensorInfo& t) {
  if (t.shape.size() <= 2) return "flat";
  return ShapeString(Shape(t.shape.begin() + 2, t.shape.end()));
}

}  // namespace

Result<ModelProfile> ProfileGraph(const Graph& g, Granularity granularity) {
  ModelProfile p;
  p.model = g.name;
  p.granularity = granularity;
  if (g.inputs.empty()) return InvalidArgument("the model has no runtime inputs");
  if (g.outputs.empty()) return InvalidArgument("the model has no outputs");
  if (g.nodes.empty()) return InvalidArgument("the model has no operators");
  // Several runtime inputs (rare in CNNs) all come from the source.
  std::set<std::string> graph_inputs;
  for (const TensorInfo& in : g.inputs) {
    p.input += (p.input.empty() ? "" : ",") + in.name;
    p.input_elements += NumElements(in.shape);
    p.input_bytes += Bytes(in);
    graph_inputs.insert(in.name);
  }

  const int num_nodes = static_cast<int>(g.nodes.size());
  std::map<std::string, int> producer;
  for (int i = 0; i < num_nodes; ++i) {
    for (const std::string& o : g.nodes[i].outputs) {
      if (!o.empty()) producer[o] = i;
    }
  }
  auto is_activation = [&](const std::string& t) {
    return !t.empty() && (producer.count(t) || graph_inputs.count(t));
  };
  auto ancestors = [&](const std::string& out) {
    std::vector<char> seen(num_nodes, 0);
    std::vector<std::string> stack = {out};
    while (!stack.empty()) {
      const std::string t = stack.back();
      stack.pop_back();
      auto it = producer.find(t);
      if (it == producer.end() || seen[it->second]) continue;
      seen[it->second] = 1;
      for (const std::string& in : g.nodes[it->second].inputs) stack.push_back(in);
    }
    return seen;
  };

  // The main output: the one computed by the most operators.
  std::vector<std::vector<char>> anc;
  int main_out = 0;
  for (size_t o = 0; o < g.outputs.size(); ++o) {
    anc.push_back(ancestors(g.outputs[o].name));
    if (std::count(anc[o].begin(), anc[o].end(), 1) >
        std::count(anc[main_out].begin(), anc[main_out].end(), 1)) {
      main_out = static_cast<int>(o);
    }
  }
  p.output = g.outputs[main_out].name;
  p.output_bytes = Bytes(*g.FindTensor(p.output));

  // Exit branches: operators that only serve another output.
  struct Exit {
    std::string output;
    std::vector<int> nodes;
    std::string attach;  // the main-path tensor it reads
    int attach_pos = -1;
  };
  std::vector<int> branch_of(num_nodes, -1);
  std::vector<Exit> exits;
  for (size_t o = 0; o < g.outputs.size(); ++o) {
    if (static_cast<int>(o) == main_out) continue;
    Exit e;
    e.output = g.outputs[o].name;
    for (int i = 0; i < num_nodes; ++i) {
      if (anc[o][i] && !anc[main_out][i] && branch_of[i] < 0) {
        branch_of[i] = static_cast<int>(exits.size());
        e.nodes.push_back(i);
      }
    }
    if (!e.nodes.empty()) exits.push_back(std::move(e));
  }
  std::vector<int> main_nodes;
  std::vector<int> pos(num_nodes, -1);
  for (int i = 0; i < num_nodes; ++i) {
    if (branch_of[i] < 0) {
      pos[i] = static_cast<int>(main_nodes.size());
      main_nodes.push_back(i);
    }
  }
  const int k = static_cast<int>(main_nodes.size());
  if (k == 0) return InvalidArgument("the model's main output '" + p.output + "' has no operators");

  // Live activation tensors after each main position: a cut after position i
  // is possible when exactly one tensor is live there.
  std::map<std::string, std::pair<int, int>> span;  // tensor -> (first, last) position
  auto touch = [&](const std::string& t, int first, int last) {
    auto [it, inserted] = span.emplace(t, std::make_pair(first, last));
    if (!inserted) it->second.second = std::max(it->second.second, last);
  };
  for (const std::string& in : graph_inputs) touch(in, -1, -1);
  for (int j = 0; j < k; ++j) {
    const Node& n = g.nodes[main_nodes[j]];
    for (const std::string& in : n.inputs) {
      if (is_activation(in)) touch(in, graph_inputs.count(in) ? -1 : pos[producer[in]], j);
    }
    for (const std::string& o : n.outputs) {
      if (!o.empty()) touch(o, j, j);
    }
  }
  touch(p.output, pos[producer[p.output]], k);
  std::vector<int> live(k, 0);
  std::vector<std::string> live_tensor(k);
  for (const auto& [t, fl] : span) {
    for (int i = std::max(fl.first, 0); i < fl.second && i < k; ++i) {
      if (i >= fl.first) {
        ++live[i];
        live_tensor[i] = t;
      }
    }
  }
  auto can_cut = [&](int i) { return i >= k - 1 || live[i] <= 1; };

  // Where exits attach.
  std::set<int> forced;  // cut after these positions
  for (Exit& e : exits) {
    std::set<std::string> reads;
    for (int i : e.nodes) {
      for (const std::string& in : g.nodes[i].inputs) {
        if (is_activation(in) && (graph_inputs.count(in) || branch_of[producer[in]] < 0)) {
          reads.insert(in);
        }
      }
    }
    if (reads.size() != 1) {
      return InvalidArgument("the exit branch to output '" + e.output + "' reads " +
                             std::to_string(reads.size()) +
                             " tensors of the main path; an early exit must read exactly one");
    }
    e.attach = *reads.begin();
    e.attach_pos = graph_inputs.count(e.attach) ? -1 : pos[producer[e.attach]];
    if (e.attach_pos >= k - 1) {
      return InvalidArgument("the exit branch to output '" + e.output +
                             "' reads the final output; it is not an early exit");
    }
    if (e.attach_pos >= 0 && (live[e.attach_pos] != 1 || live_tensor[e.attach_pos] != e.attach)) {
      return InvalidArgument("the exit branch to output '" + e.output + "' reads '" + e.attach +
                             "' inside a multi-branch region; it must attach where the main "
                             "path has a single tensor");
    }
    if (e.attach_pos >= 0) forced.insert(e.attach_pos);
  }

  // Segments between possible cuts.
  struct Segment {
    int begin, end;  // [begin, end) main positions
  };
  std::vector<Segment> segs;
  for (int b = 0, i = 0; i < k; ++i) {
    if (can_cut(i)) {
      segs.push_back({b, i + 1});
      b = i + 1;
    }
  }
  auto seg_weighted = [&](const Segment& s) {
    for (int j = s.begin; j < s.end; ++j) {
      if (IsWeightedOp(g.nodes[main_nodes[j]].op_type)) return true;
    }
    return false;
  };
  bool tagged = false;
  for (int i : main_nodes) tagged = tagged || !g.nodes[i].layer.empty();
  tagged = tagged && granularity != Granularity::kOp;

  // Group segments into layers: [begin, end) main positions plus a name.
  struct Group {
    int begin, end;
    std::string tag;
    bool weighted = false;
    std::string last;  // blocks: the name of the last layer merged in
  };
  std::vector<Group> groups;
  for (const Segment& s : segs) {
    std::string tag;
    if (tagged) {
      for (int j = s.begin; j < s.end; ++j) {
        const std::string& t = g.nodes[main_nodes[j]].layer;
        if (t.empty()) continue;
        if (!tag.empty() && t != tag) {
          return InvalidArgument("layer '" + tag + "' and layer '" + t +
                                 "' split a multi-branch region at node '" +
                                 g.nodes[main_nodes[j]].name + "'");
        }
        tag = t;
      }
    }
    const bool w = seg_weighted(s);
    bool start = groups.empty() || forced.count(groups.back().end - 1);
    if (!start) {
      if (granularity == Granularity::kOp) {
        start = true;
      } else if (tagged) {
        start = !tag.empty() && tag != groups.back().tag;
      } else {
        start = w && groups.back().weighted;
      }
    }
    if (start) {
      groups.push_back({s.begin, s.end, tag, w, ""});
    } else {
      groups.back().end = s.end;
      groups.back().weighted = groups.back().weighted || w;
      if (groups.back().tag.empty()) groups.back().tag = tag;
    }
  }
  // Layer names: the model's, else the first weighted operator's, else the
  // first operator's (op granularity: always the first operator's).
  for (Group& gr : groups) {
    if (!gr.tag.empty() && granularity != Granularity::kOp) continue;
    gr.tag.clear();
    for (int j = gr.begin; j < gr.end && gr.tag.empty(); ++j) {
      if (granularity != Granularity::kOp && IsWeightedOp(g.nodes[main_nodes[j]].op_type)) {
        gr.tag = g.nodes[main_nodes[j]].name;
      }
    }
    if (gr.tag.empty()) gr.tag = g.nodes[main_nodes[gr.begin]].name;
  }
  auto group_output = [&](const Group& gr) {
    return gr.end >= k ? p.output : live_tensor[gr.end - 1];
  };
  if (granularity == Granularity::kBlock) {
    std::vector<Group> blocks;
    for (const Group& gr : groups) {
      if (!blocks.empty() && !forced.count(blocks.back().end - 1) &&
          SpatialKey(*g.FindTensor(group_output(blocks.back()))) ==
              SpatialKey(*g.FindTensor(group_output(gr)))) {
        blocks.back().end = gr.end;
        blocks.back().last = gr.tag;
        continue;
      }
      blocks.push_back(gr);
    }
    for (Group& b : blocks) {
      if (!b.last.empty()) b.tag += ".." + b.last;
    }
    groups = std::move(blocks);
  }

  // Operator profiles, in final execution order; weights count at first use.
  std::set<std::string> counted;
  std::set<std::string> bn_stats;
  for (const Node& n : g.nodes) {
    if (n.op_type == "BatchNormalization" && n.inputs.size() == 5) {
      bn_stats.insert(n.inputs[3]);
      bn_stats.insert(n.inputs[4]);
    }
  }
  auto add_op = [&](int node, LayerProfile* l) {
    const Node& n = g.nodes[node];
    OpProfile op;
    op.node = n.name;
    op.op_type = n.op_type;
    int64_t in_bytes = 0;
    for (const std::string& in : n.inputs) {
      if (in.empty()) continue;
      if (const Initializer* init = g.FindInitializer(in)) {
        if (!counted.insert(in).second) continue;
        op.weight_bytes += Bytes(init->info);
        if (!bn_stats.count(in)) op.params += NumElements(init->info.shape);
      } else if (const TensorInfo* t = g.FindTensor(in)) {
        in_bytes += Bytes(*t);
      }
    }
    const TensorInfo& out = *g.FindTensor(n.outputs[0]);
    op.output_elements = NumElements(out.shape);
    op.output_bytes = Bytes(out);
    op.mults = OpMults(g, n, out);
    l->ops.push_back(static_cast<int>(p.ops.size()));
    l->params += op.params;
    l->weight_bytes += op.weight_bytes;
    l->mults += op.mults;
    l->activation_bytes = std::max(l->activation_bytes, in_bytes + op.output_bytes);
    p.params += op.params;
    p.weight_bytes += op.weight_bytes;
    p.mults += op.mults;
    p.ops.push_back(std::move(op));
  };
  auto add_exits = [&](int attach_pos) {
    for (const Exit& e : exits) {
      if (e.attach_pos != attach_pos) continue;
      LayerProfile l;
      l.exit = true;
      for (int i : e.nodes) {
        if (l.name.empty() && !g.nodes[i].layer.empty()) l.name = g.nodes[i].layer;
      }
      for (int i : e.nodes) {
        if (l.name.empty() && IsWeightedOp(g.nodes[i].op_type)) l.name = g.nodes[i].name;
      }
      if (l.name.empty()) l.name = g.nodes[e.nodes.front()].name;
      for (int i : e.nodes) add_op(i, &l);
      const TensorInfo& t = *g.FindTensor(e.attach);
      l.output = e.attach;
      l.output_elements = NumElements(t.shape);
      l.output_bytes = Bytes(t);
      l.exit_output = e.output;
      l.decision_bytes = Bytes(*g.FindTensor(e.output));
      p.layers.push_back(std::move(l));
    }
  };
  add_exits(-1);
  for (const Group& gr : groups) {
    LayerProfile l;
    l.name = gr.tag;
    for (int j = gr.begin; j < gr.end; ++j) add_op(main_nodes[j], &l);
    l.output = group_output(gr);
    const TensorInfo& t = *g.FindTensor(l.output);
    l.output_elements = NumElements(t.shape);
    l.output_bytes = Bytes(t);
    p.layers.push_back(std::move(l));
    add_exits(gr.end - 1);
  }
  // Unique names.
  std::map<std::string, int> seen;
  for (LayerProfile& l : p.layers) {
    const int c = ++seen[l.name];
    if (c > 1) l.name += "#" + std::to_string(c);
  }
  return p;
}

}  // namespace distcnn
