// The rules that decide how a layer splits (docs/cost-model.md, "Partition
// kinds"), shared by the profile (which prices splits) and the runtime (which
// cuts layers into parts): one copy, so that the two cannot drift apart.
// Pure functions of the graph.
#pragma once

#include <cstddef>
#include <string>

#include "distcnn/model/graph.h"

namespace distcnn {

// Ops that only relabel the elements of one tensor: free (no mults, no
// weights), allowed before a weighted op and between fused layers.
bool IsShapeOp(const std::string& op);

// True when every input of `n` other than slot `data` is omitted or an
// initializer (BatchNormalization's statistics, Clip's bounds, Dropout's ratio).
bool OtherInputsConstant(const Graph& g, const Node& n, size_t data);

// True when a constant of shape `b` broadcast against `x` varies along `axis`
// at most (a per-channel bias or scale; a scalar qualifies).
bool BroadcastsPerChannel(const Shape& b, const Shape& x, int axis);

// Whether `n` reads `cur` and computes each output channel (along `axis` of
// cur; -1: there is none) from the same channel of cur only: element-wise
// activations, Dropout and Identity; BatchNormalization and pooling when the
// channel axis is 1; Add and Mul with a constant broadcast per channel.
bool IsChannelLocal(const Graph& g, const Node& n, const std::string& cur, int axis);

}  // namespace distcnn
