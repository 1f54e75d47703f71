// Reference BatchNormalization (inference), LRN (across channels) and Softmax
// (opset 13 semantics: along one axis).
#include <algorithm>
#include <cmath>

#include "distcnn/kernels/reference/ops.h"

namespace distcnn::reference {

Status BatchNormalization(const Node& node, In in, Out out) {
  const Tensor& x = *in[0];
  const double epsilon = node.GetFloat("epsilon", 1e-5f);
  const int64_t n_batch = x.shape[0], channels = x.shape[1];
  const int64_t plane = n_batch * channels > 0 ? x.size() / (n_batch * channels) : 0;
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const double scale = in[1]->data[c], shift = in[2]->data[c];
      const double mean = in[3]->data[c], var = in[4]->data[c];
      const double factor = scale / std::sqrt(var + epsilon);
      const int64_t base = (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i) {
        out[0].data[base + i] = static_cast<float>((x.data[base + i] - mean) * factor + shift);
      }
    }
  }
  return Status::Ok();
}

Status Lrn(const Node& node, In in, Out out) {
  const Tensor& x = *in[0];
  const double alpha = node.GetFloat("alpha", 1e-4f), beta = node.GetFloat("beta", 0.75f);
  const double bias = node.GetFloat("bias", 1.0f);
  const int64_t size = node.GetInt("size", 1);
  const int64_t n_batch = x.shape[0], channels = x.shape[1];
  const int64_t plane = n_batch * channels > 0 ? x.size() / (n_batch * channels) : 0;
  const int64_t before = (size - 1) / 2, after = size - 1 - before;  // floor, ceil
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t lo = std::max<int64_t>(0, c - before);
      const int64_t hi = std::min<int64_t>(channels - 1, c + after);
      for (int64_t i = 0; i < plane; ++i) {
        double square_sum = 0;
        for (int64_t k = lo; k <= hi; ++k) {
          const double v = x.data[(n * channels + k) * plane + i];
          square_sum += v * v;
        }
        const int64_t o = (n * channels + c) * plane + i;
        out[0].data[o] =
            static_cast<float>(x.data[o] / std::pow(bias + alpha / size * square_sum, beta));
      }
    }
  }
  return Status::Ok();
}

Status Softmax(const Node& node, In in, Out out) {
  const Tensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = node.GetInt("axis", -1);
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape[d];
  const int64_t len = rank ? x.shape[axis] : 1;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      float max = x.data[base];
      for (int64_t k = 1; k < len; ++k) max = std::max(max, x.data[base + k * inner]);
      double sum = 0;
      for (int64_t k = 0; k < len; ++k)
        sum += std::exp(static_cast<double>(x.data[base + k * inner]) - max);
      for (int64_t k = 0; k < len; ++k) {
        out[0].data[base + k * inner] =
            static_cast<float>(std::exp(static_cast<double>(x.data[base + k * inner]) - max) / sum);
      }
    }
  }
  return Status::Ok();
}

}  // namespace distcnn::reference
