// Split slices: the graphs a split layer's parts and merge unit run
// (docs/cost-model.md, "Partition kinds"), cut from the layer's slice with
// only the weights each holds: out_channels, a block of the weighted op's
// filters or neurons (whole groups of a grouped conv) with their bias and the
// channel-local ops' per-channel parameters; in_channels, a slice of every
// filter's input channels (no bias). The merge graph runs what the parts do
// not: for in_channels the bias first. A part's graph starts at the weighted
// op's data input (the shape ops before it only relabel the layer's input,
// which the caller does by reshaping). Pure functions; slices are values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/model/graph.h"
#include "distcnn/runtime/layer_slices.h"

namespace distcnn {

// A contiguous range of a tensor's row-major elements, seen with its own shape:
// the elements [offset, offset + NumElements(shape)).
struct TensorRange {
  int64_t offset = 0;
  Shape shape;
  int64_t count() const { return NumElements(shape); }
  bool operator==(const TensorRange&) const = default;
};

struct PartSlice {
  // The part's graph: one input (the weighted op's data input, or the part's
  // range of it) and one output (out_channels: its block of the channel-local
  // run's output; in_channels: a partial sum of the weighted op's output).
  Graph graph;
  // The range of the layer's input (flat) the part reads; its shape is the
  // graph input's. out_channels: all of it, except for a grouped conv (its
  // groups' input channels; the part receives the whole input and cuts it);
  // in_channels: its input channels (the sender cuts them: the scatter).
  TensorRange input;
};

struct MergeSlice {
  // Reads the combined parts (concatenated or summed, shape `combined`) and
  // outputs the layer's output. No nodes: the combined tensor is the output.
  Graph graph;
  Shape combined;
  int concat_axis = 1;  // out_channels: the axis the blocks are concatenated along
};

// The split units [begin, end) of `layer`'s weighted op `weighted_op`
// (LayerSplit::weighted_op) as an out_channels part, and the merge. Errors
// (kInvalidArgument, naming the layer): no such op, a layer shape the split
// does not support (ops other than shape ops before the weighted op, a batch
// above 1 where a range must be contiguous), a range outside the units.
Result<PartSlice> OutChannelsPart(const LayerSlice& layer, const std::string& weighted_op,
                                  int64_t begin, int64_t end);
Result<MergeSlice> OutChannelsMerge(const LayerSlice& layer, const std::string& weighted_op);

// The input units [begin, end) as an in_channels part (weight slice, no bias),
// and the merge (bias, then every op after the weighted op). Same errors, and
// a grouped conv.
Result<PartSlice> InChannelsPart(const LayerSlice& layer, const std::string& weighted_op,
                                 int64_t begin, int64_t end);
Result<MergeSlice> InChannelsMerge(const LayerSlice& layer, const std::string& weighted_op);

// Bytes of every initializer of `graph` (the weights a unit holding it holds).
int64_t WeightBytes(const Graph& graph);

}  // namespace distcnn
