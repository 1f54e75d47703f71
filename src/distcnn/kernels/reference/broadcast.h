// Internal to kernels/reference: numpy broadcasting by explicit index maps.
#pragma once

#include <vector>

#include "distcnn/model/graph.h"

namespace distcnn::reference {

// For each element of `out` (row-major), the offset of the element of `in`
// that numpy broadcasting reads. `in` must broadcast to `out`.
std::vector<int64_t> BroadcastOffsets(const Shape& out, const Shape& in);

}  // namespace distcnn::reference
