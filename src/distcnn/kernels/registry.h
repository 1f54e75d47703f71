// KernelRegistry: op type -> Kernel. ReferenceKernels() holds the naive
// reference kernels (kernels/reference/), the oracle every faster backend is
// tested against. A registry is filled once, then only read (thread-safe reads).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/kernels/kernel.h"

namespace distcnn {

class KernelRegistry {
 public:
  // Registers `kernel` for `op_type`, replacing any earlier one.
  void Register(const std::string& op_type, std::unique_ptr<Kernel> kernel);
  // The kernel for `op_type`, or nullptr.
  const Kernel* Find(const std::string& op_type) const;
  // Registered op types, sorted.
  std::vector<std::string> OpTypes() const;

 private:
  std::map<std::string, std::unique_ptr<Kernel>> kernels_;
};

// The reference kernels for every operator in SupportedOps() except Constant
// (folded on import). Built once; thread-safe.
const KernelRegistry& ReferenceKernels();

// Runs one node: infers its output shapes from the inputs' shapes (the IR's
// InferNodeOutputs), allocates the outputs and calls the registered kernel.
// `inputs` as in Kernel::Run. Errors: kNotFound (no kernel for the op type),
// kInvalidArgument (shape inference or kernel errors, naming the node).
Result<std::vector<Tensor>> RunNode(const KernelRegistry& registry, const Node& node,
                                    std::span<const Tensor* const> inputs);

}  // namespace distcnn
