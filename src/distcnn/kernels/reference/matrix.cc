// Reference Gemm and MatMul: the textbook triple loop, accumulating in double.
#include "distcnn/kernels/reference/broadcast.h"
#include "distcnn/kernels/reference/ops.h"

namespace distcnn::reference {

Status Gemm(const Node& node, In in, Out out) {
  const Tensor& a = *in[0];
  const Tensor& b = *in[1];
  const Tensor* c = in.size() > 2 ? in[2] : nullptr;
  Tensor& y = out[0];
  const bool trans_a = node.GetInt("transA", 0) != 0, trans_b = node.GetInt("transB", 0) != 0;
  const double alpha = node.GetFloat("alpha", 1.0f), beta = node.GetFloat("beta", 1.0f);
  const int64_t m_rows = y.shape[0], n_cols = y.shape[1];
  const int64_t k_inner = trans_a ? a.shape[0] : a.shape[1];
  std::vector<int64_t> c_offsets;
  if (c) c_offsets = BroadcastOffsets(y.shape, c->shape);
  for (int64_t m = 0; m < m_rows; ++m) {
    for (int64_t n = 0; n < n_cols; ++n) {
      double sum = 0;
      for (int64_t k = 0; k < k_inner; ++k) {
        const float av = trans_a ? a.data[k * m_rows + m] : a.data[m * k_inner + k];
        const float bv = trans_b ? b.data[n * k_inner + k] : b.data[k * n_cols + n];
        sum += static_cast<double>(av) * bv;
      }
      double v = alpha * sum;
      if (c) v += beta * c->data[c_offsets[m * n_cols + n]];
      y.data[m * n_cols + n] = static_cast<float>(v);
    }
  }
  return Status::Ok();
}

Status MatMul(const Node&, In in, Out out) {
  Shape a = in[0]->shape, b = in[1]->shape;
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const int64_t m_rows = a[a.size() - 2], k_inner = a.back(), n_cols = b.back();
  const Shape a_batch(a.begin(), a.end() - 2), b_batch(b.begin(), b.end() - 2);
  // The broadcast batch shape: the longer of the two, with 1s replaced.
  Shape batch(std::max(a_batch.size(), b_batch.size()), 1);
  for (size_t k = 0; k < batch.size(); ++k) {
    const size_t d = batch.size() - 1 - k;
    const int64_t da = k < a_batch.size() ? a_batch[a_batch.size() - 1 - k] : 1;
    const int64_t db = k < b_batch.size() ? b_batch[b_batch.size() - 1 - k] : 1;
    batch[d] = da == 1 ? db : da;
  }
  const std::vector<int64_t> a_index = BroadcastOffsets(batch, a_batch);
  const std::vector<int64_t> b_index = BroadcastOffsets(batch, b_batch);
  Tensor& y = out[0];
  for (size_t t = 0; t < a_index.size(); ++t) {
    const float* ap = &in[0]->data[a_index[t] * m_rows * k_inner];
    const float* bp = &in[1]->data[b_index[t] * k_inner * n_cols];
    float* yp = &y.data[t * m_rows * n_cols];
    for (int64_t m = 0; m < m_rows; ++m) {
      for (int64_t n = 0; n < n_cols; ++n) {
        double sum = 0;
        for (int64_t k = 0; k < k_inner; ++k) {
          sum += static_cast<double>(ap[m * k_inner + k]) * bp[k * n_cols + n];
        }
        yp[m * n_cols + n] = static_cast<float>(sum);
      }
    }
  }
  return Status::Ok();
}

}  // namespace distcnn::reference
