// Internal to kernels/reference: the reference kernel functions and the window
// geometry shared by Conv and the pools. Not part of the public API.
#pragma once

#include <span>

#include "distcnn/base/status.h"
#include "distcnn/kernels/tensor.h"
#include "distcnn/model/graph.h"

namespace distcnn::reference {

using In = std::span<const Tensor* const>;
using Out = std::span<Tensor>;

Status NodeError(const Node& node, const std::string& what);

// Spatial geometry of a sliding window, lifted to 3 spatial dimensions by
// prepending unit dimensions (1-D and 2-D inputs become D = 1 [, H = 1]).
struct Window {
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3], pad_end[3];
};
// `x` is the input shape (N, C, spatial...), `y` the inferred output shape and
// `kernel` the window's spatial size. Errors: spatial rank outside 1..3.
Result<Window> MakeWindow(const Node& node, const Shape& x, const Shape& y,
                          const std::vector<int64_t>& kernel);

Status Conv(const Node& node, In in, Out out);
Status MaxPool(const Node& node, In in, Out out);
Status AveragePool(const Node& node, In in, Out out);
Status GlobalAveragePool(const Node& node, In in, Out out);
Status Gemm(const Node& node, In in, Out out);
Status MatMul(const Node& node, In in, Out out);
Status Relu(const Node& node, In in, Out out);
Status Clip(const Node& node, In in, Out out);
Status LeakyRelu(const Node& node, In in, Out out);
Status Sigmoid(const Node& node, In in, Out out);
Status Add(const Node& node, In in, Out out);
Status Mul(const Node& node, In in, Out out);
Status Concat(const Node& node, In in, Out out);
Status Copy(const Node& node, In in, Out out);  // Flatten, Reshape, Identity
Status Dropout(const Node& node, In in, Out out);
Status BatchNormalization(const Node& node, In in, Out out);
Status Lrn(const Node& node, In in, Out out);
Status Softmax(const Node& node, In in, Out out);

}  // namespace distcnn::reference
