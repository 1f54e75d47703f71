// The Kernel interface: computes one IR node (docs/ops.md) on float32 tensors.
// Output shapes are derived by the IR's shape inference before a kernel runs, so
// a kernel only fills values. Kernels are stateless after construction and
// must be safe to call from several threads at once.
#pragma once

#include <span>
#include <string>

#include "distcnn/base/status.h"
#include "distcnn/kernels/tensor.h"
#include "distcnn/model/graph.h"

namespace distcnn {

class Kernel {
 public:
  virtual ~Kernel() = default;

  // Computes `node`. `inputs` has one entry per node input, nullptr for an
  // omitted optional input. `outputs` has one entry per node output, already
  // shaped and sized (values zero); an omitted output ("" name) still gets a
  // tensor. Errors: kInvalidArgument for attributes or shapes the kernel
  // cannot handle (the message names the node).
  virtual Status Run(const Node& node, std::span<const Tensor* const> inputs,
                     std::span<Tensor> outputs) const = 0;
};

}  // namespace distcnn
