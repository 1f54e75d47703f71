// Split figures of every placeable layer (LayerSplit, docs/cost-model.md
// "Partition kinds"), read off a model graph and its layer profile: split
// units for out_channels and in_channels, the part and merge memory and
// mults, the bytes sent, and whether a layer fuses with the next. Invariant:
// for every layer, part + merge == the layer's weight_bytes and mults, for
// both kinds. A pure function of its arguments; thread-safe.
#pragma once

#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/model/graph.h"
#include "distcnn/profile/layer_split.h"
#include "distcnn/profile/profiler.h"

namespace distcnn {

// One LayerSplit per entry of profile.layers, in the same order. `profile` is
// ProfileGraph(graph, Granularity::kLayer) (other granularities work too: a
// split applies to each of their layers). A layer that cannot be split (no
// weighted op, a gate, other ops before its weighted op, weights that are not
// initializers) gets out_units = in_units = 0, empty parts and all of its
// weight bytes and mults as merge figures; weighted_op still names its first
// weighted op, if any. Bytes are bytes per inference.
// Errors (kInvalidArgument, naming the layer): the profile does not match the
// graph (an op index out of range, an op missing from the graph or of another
// type, weight or output bytes that differ from the graph's).
Result<std::vector<LayerSplit>> ProfileLayerSplits(const Graph& graph, const ModelProfile& profile);

}  // namespace distcnn
