#include "distcnn/kernels/registry.h"

#include "distcnn/kernels/reference/reference_kernels.h"

namespace distcnn {

void KernelRegistry::Register(const std::string& op_type, std::unique_ptr<Kernel> kernel) {
  kernels_[op_type] = std::move(kernel);
}

const Kernel* KernelRegistry::Find(const std::string& op_type) const {
  auto it = kernels_.find(op_type);
  return it == kernels_.end() ? nullptr : it->second.get();
}

std::vector<std::string> KernelRegistry::OpTypes() const {
  std::vector<std::string> ops;
  for (const auto& [op, kernel] : kernels_) ops.push_back(op);
  return ops;
}

const KernelRegistry& ReferenceKernels() {
  static const KernelRegistry* const kRegistry = [] {
    auto* r = new KernelRegistry();
    RegisterReferenceKernels(r);
    return r;
  }();
  return *kRegistry;
}

Result<std::vector<Tensor>> RunNode(const KernelRegistry& registry, const Node& node,
                                    std::span<const Tensor* const> inputs) {
  const Kernel* kernel = registry.Find(node.op_type);
  if (!kernel) {
    return Status(StatusCode::kNotFound, "node '" + node.name + "' (" + node.op_type +
                                             "): no kernel is registered for '" + node.op_type +
                                             "'");
  }
  if (inputs.size() != node.inputs.size()) {
    return InvalidArgument("node '" + node.name + "' (" + node.op_type +
                           "): " + std::to_string(inputs.size()) + " input tensors for " +
                           std::to_string(node.inputs.size()) + " inputs");
  }
  // Shape inference over placeholder names, so that omitted outputs are sized too.
  Node named = node;
  std::map<std::string, TensorInfo> infos;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) {
      named.inputs[i].clear();
      continue;
    }
    named.inputs[i] = "in" + std::to_string(i);
    infos[named.inputs[i]] = TensorInfo{named.inputs[i], DataType::kFloat32, inputs[i]->shape};
  }
  for (size_t i = 0; i < named.outputs.size(); ++i) named.outputs[i] = "out" + std::to_string(i);
  RETURN_IF_ERROR(InferNodeOutputs(named, &infos));
  std::vector<Tensor> outputs;
  for (const std::string& o : named.outputs) outputs.emplace_back(infos.at(o).shape);
  RETURN_IF_ERROR(kernel->Run(node, inputs, outputs));
  return outputs;
}

}  // namespace distcnn
