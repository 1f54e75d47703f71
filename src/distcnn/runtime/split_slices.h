// Split slices: the graphs a split layer's parts and merge unit run
// (docs/cost-model.md, "Partition kinds"), cut from the layer's slice with
// only the weights each holds: out_channels, a block of the weighted op's
// filters or neurons (whole groups of a grouped conv) with their bias and the
// channel-local ops' per-channel parameters; in_channels, a slice of every
// filter's input channels (no bias); spatial, a band of rows through a stack
// of layers with all of their weights. The merge graph runs what the parts do
// not: for in_channels the bias first. A part's graph starts at the weighted
// op's data input (the shape ops before it only relabel the layer's input,
// which the caller does by reshaping). Pure functions; slices are values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/model/graph.h"
#include "distcnn/profile/row_bands.h"
#include "distcnn/runtime/layer_slices.h"

namespace distcnn {

// A block of a tensor, seen with its own shape. With `axis` < 0, a contiguous
// range of its row-major elements: [offset, offset + NumElements(shape)) (the
// tensor's own shape does not matter, only its element count). With `axis` >=
// 0, a band: the indices [offset, offset + shape[axis]) along `axis` and every
// index of the other dimensions, whose sizes `shape` repeats (a spatial
// part's input rows: axis 2 of NCHW).
struct TensorRange {
  int64_t offset = 0;
  Shape shape;
  int axis = -1;
  int64_t count() const { return NumElements(shape); }
  bool operator==(const TensorRange&) const = default;
};

// The block `range` of `x`. Errors (kInvalidArgument): a range outside `x`,
// a band whose rank or other dimensions differ from `x`'s.
Result<Tensor> CutTensorRange(const Tensor& x, const TensorRange& range);

struct PartSlice {
  // The part's graph: one input (the weighted op's data input, or the part's
  // range of it) and one output (out_channels: its block of the channel-local
  // run's output; in_channels: a partial sum of the weighted op's output;
  // spatial: its band of the stack's output rows).
  Graph graph;
  // The range of the layer's input (flat) the part reads; its shape is the
  // graph input's. out_channels: all of it, except for a grouped conv (its
  // groups' input channels; the part receives the whole input and cuts it);
  // in_channels: its input channels (the sender cuts them: the scatter);
  // spatial: its band of the stack's input rows (a band on axis 2, cut by the
  // sender).
  TensorRange input;
};

struct MergeSlice {
  // Reads the combined parts (concatenated or summed, shape `combined`) and
  // outputs the layer's output. No nodes: the combined tensor is the output.
  Graph graph;
  Shape combined;
  // The axis the blocks are concatenated along: out_channels, the channel
  // axis; spatial, the row axis (2).
  int concat_axis = 1;
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

// Part of a spatial stack (docs/cost-model.md, "spatial"): the output rows
// `out` of the stack's last layer, computed from the band of input rows they
// need. `stack` is the CNN's first k layer slices, each reading the previous
// one's output; `row_ops` the stack's ops as row windows, one per op of the
// slices in order (the concatenation of their LayerSplit::row_ops, row_bands.h).
// The part's graph chains the slices with every weight, each Conv's and
// pool's top and bottom pads replaced by PadsForBand (explicit pads, MaxPool
// ceil_mode 0, so each op yields exactly its band's rows); `input` is the
// band of the stack's input rows (axis 2), which the sender cuts. Errors
// (kInvalidArgument): a stack that is not a chain, a gate, ops that do not
// match `row_ops`, rows outside the output, a batch above 1.
Result<PartSlice> SpatialPart(std::span<const LayerSlice> stack,
                              const std::vector<RowWindow>& row_ops, RowRange out);
// The merge: the bands joined along the row axis (2) in part order are the
// last layer's output; nothing runs after.
MergeSlice SpatialMerge(const LayerSlice& last);

// Bytes of every initializer of `graph` (the weights a unit holding it holds).
int64_t WeightBytes(const Graph& graph);

}  // namespace distcnn
