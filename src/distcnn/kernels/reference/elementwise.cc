// Reference element-wise operators: activations and numpy-broadcast Add/Mul.
#include <cmath>
#include <limits>

#include "distcnn/kernels/reference/broadcast.h"
#include "distcnn/kernels/reference/ops.h"

namespace distcnn::reference {

namespace {

template <typename F>
Status Map(In in, Out out, F f) {
  const Tensor& x = *in[0];
  for (int64_t i = 0; i < x.size(); ++i) out[0].data[i] = f(x.data[i]);
  return Status::Ok();
}

template <typename F>
Status Binary(In in, Out out, F f) {
  Tensor& y = out[0];
  const std::vector<int64_t> a = BroadcastOffsets(y.shape, in[0]->shape);
  const std::vector<int64_t> b = BroadcastOffsets(y.shape, in[1]->shape);
  for (int64_t i = 0; i < y.size(); ++i) y.data[i] = f(in[0]->data[a[i]], in[1]->data[b[i]]);
  return Status::Ok();
}

}  // namespace

std::vector<int64_t> BroadcastOffsets(const Shape& out, const Shape& in) {
  const size_t rank = out.size();
  // Strides of `in` aligned to the right of `out`; 0 where `in` broadcasts.
  std::vector<int64_t> stride(rank, 0);
  int64_t s = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    const size_t d_in = in.size() - 1 - k, d_out = rank - 1 - k;
    stride[d_out] = in[d_in] == 1 ? 0 : s;
    s *= in[d_in];
  }
  std::vector<int64_t> offsets(static_cast<size_t>(NumElements(out)));
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (size_t i = 0; i < offsets.size(); ++i) {
    offsets[i] = offset;
    for (size_t d = rank; d-- > 0;) {  // odometer increment
      ++index[d];
      offset += stride[d];
      if (index[d] < out[d]) break;
      offset -= stride[d] * index[d];
      index[d] = 0;
    }
  }
  return offsets;
}

Status Relu(const Node&, In in, Out out) {
  return Map(in, out, [](float v) { return v > 0.0f ? v : 0.0f; });
}

Status Clip(const Node& node, In in, Out out) {
  float lo = node.GetFloat("min", std::numeric_limits<float>::lowest());
  float hi = node.GetFloat("max", std::numeric_limits<float>::max());
  for (size_t k = 1; k < in.size() && k < 3; ++k) {  // runtime bounds (opset 11+)
    if (!in[k]) continue;
    if (in[k]->size() != 1) return NodeError(node, "min and max must be scalars");
    (k == 1 ? lo : hi) = in[k]->data[0];
  }
  return Map(in, out, [lo, hi](float v) { return std::min(std::max(v, lo), hi); });
}

Status LeakyRelu(const Node& node, In in, Out out) {
  const float alpha = node.GetFloat("alpha", 0.01f);
  return Map(in, out, [alpha](float v) { return v >= 0.0f ? v : alpha * v; });
}

Status Sigmoid(const Node&, In in, Out out) {
  return Map(in, out, [](float v) {
    return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(v))));
  });
}

Status Add(const Node&, In in, Out out) {
  return Binary(in, out, [](float a, float b) { return a + b; });
}

Status Mul(const Node&, In in, Out out) {
  return Binary(in, out, [](float a, float b) { return a * b; });
}

}  // namespace distcnn::reference
