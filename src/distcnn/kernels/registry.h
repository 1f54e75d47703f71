// KernelRegistry: op type -> Kernel. ReferenceKernels() holds the naive
// reference kernels (kernels/reference/), the oracle every faster backend is
// tested against; OneDnnKernels() the oneDNN backend (kernels/onednn/) with
// reference kernels for the rest. A registry is filled once, then only read
// (thread-safe reads); the built-in registries live for the whole process.
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

// The oneDNN kernels (Conv, pools, Gemm, MatMul, BatchNormalization, LRN,
// eltwise activations, Softmax, Add, Mul; docs/ops.md) plus the reference
// kernels for every other op, so it covers the same op types as
// ReferenceKernels(). A oneDNN kernel runs the reference kernel itself for a
// node oneDNN cannot express. In a build without oneDNN
// (DISTCNN_WITH_ONEDNN=OFF) this is ReferenceKernels(). Built once; thread-safe.
const KernelRegistry& OneDnnKernels();

// The registry the runtime uses unless told otherwise: OneDnnKernels().
const KernelRegistry& DefaultKernels();

// The registry named `name`: "onednn" or "reference". Errors:
// kInvalidArgument naming the valid names (also for "onednn" in a build
// without oneDNN).
Result<const KernelRegistry*> KernelsByName(const std::string& name);

// Intra-op threads for the oneDNN kernels (the reference kernels always use
// one); threads <= 0 restores the default (OMP_NUM_THREADS, else one per
// core). Applies process-wide, to kernels run afterwards from any thread.
// Processes that share cores should use 1 (OpenMP teams stall on busy cores;
// docs/performance.md).
void SetKernelThreads(int threads);

// Runs one node: infers its output shapes from the inputs' shapes (the IR's
// InferNodeOutputs), allocates the outputs and calls the registered kernel.
// `inputs` as in Kernel::Run. Errors: kNotFound (no kernel for the op type),
// kInvalidArgument (shape inference or kernel errors, naming the node).
Result<std::vector<Tensor>> RunNode(const KernelRegistry& registry, const Node& node,
                                    std::span<const Tensor* const> inputs);

}  // namespace distcnn
