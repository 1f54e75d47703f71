// Reference Concat, the copies (Flatten, Reshape, Identity: row-major order is
// unchanged) and Dropout (the identity at inference; its mask is all ones).
#include <algorithm>

#include "distcnn/kernels/reference/ops.h"

namespace distcnn::reference {

Status Concat(const Node& node, In in, Out out) {
  Tensor& y = out[0];
  const int64_t rank = static_cast<int64_t>(y.shape.size());
  int64_t axis = node.GetInt("axis", 0);
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= y.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= y.shape[d];
  const int64_t out_chunk = y.shape[axis] * inner;
  int64_t start = 0;  // offset of the current input's slice within a chunk
  for (const Tensor* t : in) {
    const int64_t chunk = t->shape[axis] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      std::copy_n(t->data.begin() + o * chunk, chunk, y.data.begin() + o * out_chunk + start);
    }
    start += chunk;
  }
  return Status::Ok();
}

Status Copy(const Node& node, In in, Out out) {
  if (in[0]->size() != out[0].size()) return NodeError(node, "element counts differ");
  out[0].data = in[0]->data;
  return Status::Ok();
}

Status Dropout(const Node& node, In in, Out out) {
  // A runtime training_mode input (a constant one is checked on import).
  if (in.size() > 2 && in[2] && in[2]->size() == 1 && in[2]->data[0] != 0.0f) {
    return NodeError(node, "training mode is not supported (inference only)");
  }
  RETURN_IF_ERROR(Copy(node, in, out));
  if (out.size() > 1) std::fill(out[1].data.begin(), out[1].data.end(), 1.0f);
  return Status::Ok();
}

}  // namespace distcnn::reference
