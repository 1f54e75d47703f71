// LayerSplit: what the planner needs to price a split of one placeable layer
// (docs/cost-model.md, "Partition kinds"), read off the model graph by
// ProfileLayerSplits. A split applies to the layer's first weighted op (Conv,
// Gemm or MatMul). All figures are for the whole layer; a part that holds n of
// the D split units (channels, neurons, or whole groups of a grouped conv)
// holds n/D of the "part" figures (they are channel-proportional, up to scalar
// constants such as Clip bounds). For both kinds, part + merge == the layer's
// weight bytes and mults; a layer that cannot be split (units 0: a gate, no
// weighted op, other than shape ops before it) has empty parts and all of its
// figures as merge. Plain data, no graph pointers: the Problem carries it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distcnn/profile/row_bands.h"

namespace distcnn {

struct LayerSplit {
  std::string weighted_op;  // node name of the layer's first weighted op

  // out_channels: each part holds a block of the weighted op's output units
  // (conv filters in whole groups, fc neurons) with their bias and the
  // channel-local ops after it (BatchNormalization, Relu, pooling, ...).
  int64_t out_units = 0;  // D_out; < 2 means out_channels does not apply
  int64_t out_part_memory_bytes = 0;
  double out_part_mults = 0;
  int64_t out_part_output_bytes = 0;  // what all parts send to the merge unit
  // The ops after the channel-local ones (LRN, a later Gemm, ...): they run
  // after the gather, on the merge unit, and may read only what it gathered
  // (a residual shortcut, which reads the layer's input again, makes
  // out_channels not apply).
  int64_t out_merge_memory_bytes = 0;
  double out_merge_mults = 0;

  // in_channels: each part holds a slice of every filter's input channels
  // (fc: a block of weight rows), receives only that slice of the input and
  // sends back a partial sum of the weighted op's whole output. Not for
  // grouped convs, nor when another op of the layer also reads its input (a
  // residual shortcut would need the whole input at the merge unit).
  int64_t in_units = 0;              // D_in; < 2 means in_channels does not apply
  int64_t in_part_memory_bytes = 0;  // the weighted op's weights, bias excluded
  double in_part_mults = 0;          // the weighted op's mults
  // The merge unit sums the partial sums (one add per element per extra part,
  // not counted as mults), then runs bias, the channel-local ops and the rest.
  int64_t in_merge_memory_bytes = 0;
  double in_merge_mults = 0;
  int64_t partial_sum_bytes = 0;  // the weighted op's output: one partial sum

  // Bytes of the layer's input (the previous layer's output, or the CNN's
  // input for the first layer): what out_channels sends to every part, and
  // what in_channels cuts into slices.
  int64_t input_bytes = 0;

  // fused: this layer split by output channels and the next by input
  // channels over the same parts, nothing sent between. Requires no merge ops
  // here (out_merge_* zero) and the next layer's input channels to be this
  // layer's output channels (possibly flattened): D_in(next) = k * D_out, each
  // of this layer's units becoming k consecutive input units of the next. A
  // part with units [a, b) here must hold input units [k a, k b) of the next
  // (its shares are not re-divided over D_in independently).
  bool fusable_with_next = false;

  // spatial: set only on the layers of the CNN's leading stack of row-local
  // layers (row_bands.h): this layer's ops as row windows, in order, each
  // reading the previous one's output, the first the layer's input (the CNN's
  // input, or the previous stack layer's output). A band of the stack holds
  // every weight of its layers. Empty: the layer is in no spatial stack.
  std::vector<RowWindow> row_ops;
  int64_t input_row_bytes = 0;   // one row of the layer's input
  int64_t output_row_bytes = 0;  // one row of its output

  bool out_channels_ok() const { return out_units >= 2; }
  bool in_channels_ok() const { return in_units >= 2; }
  bool spatial_ok() const { return !row_ops.empty(); }
};

}  // namespace distcnn
