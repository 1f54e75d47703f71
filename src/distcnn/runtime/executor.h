// Executor: runs a Graph (or a contiguous range of its nodes, e.g. the layers a
// plan gives one unit) with the kernels of a KernelRegistry, in the graph's
// topological node order. Weights are converted to float32 tensors once, at
// Create(). The graph and registry must outlive the executor. Run() and
// RunNodes() are const and safe to call from several threads at once.
#pragma once

#include <map>
#include <string>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"
#include "distcnn/kernels/tensor.h"
#include "distcnn/model/graph.h"

namespace distcnn {

using TensorMap = std::map<std::string, Tensor>;

class Executor {
 public:
  // Checks that every node has a kernel in `registry` and converts the
  // initializers (which must hold values: LoadModel with keep_weights). Errors:
  // kNotFound (no kernel for a node's op type), kInvalidArgument (an
  // initializer without values).
  static Result<Executor> Create(const Graph& graph,
                                 const KernelRegistry& registry = DefaultKernels());

  // Runs the whole graph. `inputs` holds every graph input by name with the
  // graph's shape. Returns the graph outputs by name. Intermediate tensors are
  // freed after their last use. Errors: kInvalidArgument (missing input or
  // wrong shape, kernel errors naming the node).
  Result<TensorMap> Run(const TensorMap& inputs) const;

  // Runs graph.nodes[first, last) in order. `tensors` must hold every
  // non-initializer tensor those nodes read; their outputs are added to it.
  // Errors: kInvalidArgument (a range outside the graph, a missing tensor,
  // kernel errors naming the node).
  Status RunNodes(size_t first, size_t last, TensorMap* tensors) const;

 private:
  Executor(const Graph& graph, const KernelRegistry& registry)
      : graph_(&graph), registry_(&registry) {}
  Status RunNode(size_t index, TensorMap* tensors) const;

  const Graph* graph_;
  const KernelRegistry* registry_;
  TensorMap weights_;
};

}  // namespace distcnn
