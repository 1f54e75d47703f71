// The row window of a model graph's op (row_bands.h): how the profile finds
// the layers a spatial split may cut into bands. Pure; thread-safe.
#pragma once

#include <string>

#include "distcnn/model/graph.h"
#include "distcnn/profile/row_bands.h"

namespace distcnn {

// The row window of `n` when it keeps rows local on its data input `data`, a
// 4-D NCHW tensor: Conv, MaxPool and AveragePool with 2-D kernels (explicit
// or VALID padding; AveragePool without ceil_mode), LRN and the point-wise
// channel-local ops (split_rules.h). `mults` is the op's profiled mults.
// False for everything else (Flatten, Gemm, Concat, GlobalAveragePool, SAME
// padding, ...).
bool RowWindowOf(const Graph& g, const Node& n, const std::string& data, double mults,
                 RowWindow* out);

}  // namespace distcnn
