// Layer slices: a model cut into its placeable layers (the profile's layers),
// each a standalone Graph holding only the nodes of that layer and only the
// weights they read, with one input and one output. A unit of a plan receives
// the slices of its layers. Chaining the slices reproduces the whole model:
// a main layer reads what the previous main layer forwards (the model input for
// the first), an exit (gate) layer reads the same tensor as the next main layer
// and outputs its decision. Pure functions; slices are plain values.
#pragma once

#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/kernels/tensor.h"
#include "distcnn/model/graph.h"
#include "distcnn/profile/profiler.h"

namespace distcnn {

struct LayerSlice {
  std::string name;   // the profile layer's name
  bool exit = false;  // an early-exit (gate) layer
  // The slice graph: inputs = {the tensor it reads}, outputs = {what it
  // produces: the forwarded tensor, or for an exit layer its decision}.
  Graph graph;
  const std::string& input() const { return graph.inputs.front().name; }
  const std::string& output() const { return graph.outputs.front().name; }
};

// Cuts `graph` (shapes inferred; weights kept or seeded) along `profile`
// (ProfileGraph(graph, kLayer) or another granularity). Errors
// (kInvalidArgument): a layer that reads more than one runtime tensor, or
// whose nodes are not in the graph.
Result<std::vector<LayerSlice>> SliceLayers(const Graph& graph, const ModelProfile& profile);

// The graph output each slice's result stands for: for the last main layer the
// model's main output, for an exit layer its exit output; empty otherwise.
std::string ModelOutputOf(const ModelProfile& profile, size_t layer);

}  // namespace distcnn
