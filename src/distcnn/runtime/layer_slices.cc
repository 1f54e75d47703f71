#include "distcnn/runtime/layer_slices.h"

#include <algorithm>
#include <map>
#include <set>

namespace distcnn {

Result<std::vector<LayerSlice>> SliceLayers(const Graph& graph, const ModelProfile& profile) {
  std::map<std::string, size_t> node_index;
  for (size_t i = 0; i < graph.nodes.size(); ++i) node_index[graph.nodes[i].name] = i;

  std::vector<LayerSlice> slices;
  for (const LayerProfile& layer : profile.layers) {
    LayerSlice slice;
    slice.name = layer.name;
    slice.exit = layer.exit;
    Graph& g = slice.graph;
    g.name = graph.name + "." + layer.name;
    std::set<size_t> members;
    for (int op : layer.ops) {
      auto it = node_index.find(profile.ops[static_cast<size_t>(op)].node);
      if (it == node_index.end()) {
        return InvalidArgument("layer '" + layer.name + "': node '" +
                               profile.ops[static_cast<size_t>(op)].node + "' is not in the graph");
      }
      members.insert(it->second);
    }
    std::set<std::string> produced;
    std::set<std::string> weights;
    std::vector<std::string> reads;  // runtime tensors from outside, first-use order
    for (size_t i : members) {       // graph order is topological
      const Node& node = graph.nodes[i];
      for (const std::string& in : node.inputs) {
        if (in.empty() || produced.count(in)) continue;
        if (graph.FindInitializer(in)) {
          weights.insert(in);
        } else if (std::find(reads.begin(), reads.end(), in) == reads.end()) {
          reads.push_back(in);
        }
      }
      for (const std::string& out : node.outputs) produced.insert(out);
      g.nodes.push_back(node);
    }
    if (reads.size() != 1) {
      return InvalidArgument("layer '" + layer.name + "' reads " + std::to_string(reads.size()) +
                             " runtime tensors; a slice must read exactly one");
    }
    const std::string output = layer.exit ? layer.exit_output : layer.output;
    const TensorInfo* in_info = graph.FindTensor(reads.front());
    const TensorInfo* out_info = graph.FindTensor(output);
    if (!in_info || !out_info || !produced.count(output)) {
      return InvalidArgument("layer '" + layer.name + "': tensor '" + reads.front() + "' or '" +
                             output + "' is unknown to the graph or not produced by the layer");
    }
    g.inputs.push_back(*in_info);
    g.outputs.push_back(*out_info);
    for (const Initializer& init : graph.initializers) {
      if (weights.count(init.info.name)) g.initializers.push_back(init);
    }
    RETURN_IF_ERROR(InferShapes(&g).WithContext("layer '" + layer.name + "'"));
    slices.push_back(std::move(slice));
  }
  return slices;
}

std::string ModelOutputOf(const ModelProfile& profile, size_t layer) {
  const LayerProfile& l = profile.layers[layer];
  if (l.exit) return l.exit_output;
  for (size_t j = layer + 1; j < profile.layers.size(); ++j) {
    if (!profile.layers[j].exit) return "";
  }
  return profile.output;
}

}  // namespace distcnn
