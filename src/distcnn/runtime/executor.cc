#include "distcnn/runtime/executor.h"

#include <vector>

namespace distcnn {

Result<Executor> Executor::Create(const Graph& graph, const KernelRegistry& registry) {
  Executor executor(graph, registry);
  for (const Node& node : graph.nodes) {
    if (!registry.Find(node.op_type)) {
      return Status(StatusCode::kNotFound, "node '" + node.name + "' (" + node.op_type +
                                               "): no kernel is registered for '" + node.op_type +
                                               "'");
    }
  }
  for (const Initializer& init : graph.initializers) {
    Tensor t(init.info.shape);
    if (t.data.empty()) {
      executor.weights_[init.info.name] = std::move(t);
      continue;
    }
    const bool has_values =
        !init.floats.empty() || !init.ints.empty() || !init.raw.empty() || init.seed.has_value();
    if (!has_values) {
      return InvalidArgument("initializer '" + init.info.name +
                             "' holds no values (load the model with its weights)");
    }
    if (init.info.dtype == DataType::kFloat32) {
      t.data = FloatValues(init);
    } else if (init.ints.size() == t.data.size()) {
      for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(init.ints[i]);
    } else {
      return InvalidArgument("initializer '" + init.info.name + "' of type " +
                             DataTypeName(init.info.dtype) + " cannot be used by the kernels");
    }
    if (t.data.size() != static_cast<size_t>(NumElements(init.info.shape))) {
      return InvalidArgument("initializer '" + init.info.name + "' has " +
                             std::to_string(t.data.size()) + " values for shape " +
                             ShapeString(init.info.shape));
    }
    executor.weights_[init.info.name] = std::move(t);
  }
  return executor;
}

Status Executor::RunNode(size_t index, TensorMap* tensors) const {
  const Node& node = graph_->nodes[index];
  std::vector<const Tensor*> inputs(node.inputs.size(), nullptr);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const std::string& name = node.inputs[i];
    if (name.empty()) continue;
    if (auto it = tensors->find(name); it != tensors->end()) {
      inputs[i] = &it->second;
    } else if (auto w = weights_.find(name); w != weights_.end()) {
      inputs[i] = &w->second;
    } else {
      return InvalidArgument("node '" + node.name + "' (" + node.op_type + "): input '" + name +
                             "' has not been computed");
    }
  }
  ASSIGN_OR_RETURN(std::vector<Tensor> outputs, distcnn::RunNode(*registry_, node, inputs));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (!node.outputs[i].empty()) (*tensors)[node.outputs[i]] = std::move(outputs[i]);
  }
  return Status::Ok();
}

Status Executor::RunNodes(size_t first, size_t last, TensorMap* tensors) const {
  if (first > last || last > graph_->nodes.size()) {
    return InvalidArgument("node range [" + std::to_string(first) + ", " + std::to_string(last) +
                           ") is outside the graph's " + std::to_string(graph_->nodes.size()) +
                           " nodes");
  }
  for (size_t i = first; i < last; ++i) RETURN_IF_ERROR(RunNode(i, tensors));
  return Status::Ok();
}

Result<TensorMap> Executor::Run(const TensorMap& inputs) const {
  TensorMap tensors;
  for (const TensorInfo& info : graph_->inputs) {
    auto it = inputs.find(info.name);
    if (it == inputs.end()) return InvalidArgument("graph input '" + info.name + "' is missing");
    if (it->second.shape != info.shape || it->second.size() != NumElements(info.shape)) {
      return InvalidArgument("graph input '" + info.name + "' has shape " +
                             ShapeString(it->second.shape) + "; the model expects " +
                             ShapeString(info.shape));
    }
    tensors[info.name] = it->second;
  }
  // Index of the last node reading each tensor; graph outputs are never freed.
  std::map<std::string, size_t> last_use;
  for (size_t i = 0; i < graph_->nodes.size(); ++i) {
    for (const std::string& name : graph_->nodes[i].inputs) last_use[name] = i;
  }
  for (const TensorInfo& o : graph_->outputs) last_use[o.name] = graph_->nodes.size();
  for (size_t i = 0; i < graph_->nodes.size(); ++i) {
    RETURN_IF_ERROR(RunNode(i, &tensors));
    for (const std::string& name : graph_->nodes[i].inputs) {
      if (last_use[name] == i) tensors.erase(name);
    }
  }
  TensorMap outputs;
  for (const TensorInfo& o : graph_->outputs) {
    auto it = tensors.find(o.name);
    if (it == tensors.end()) return InternalError("graph output '" + o.name + "' was not computed");
    outputs[o.name] = std::move(it->second);
  }
  return outputs;
}

}  // namespace distcnn
