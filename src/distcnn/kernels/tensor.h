// A dense float32 tensor in row-major (NCHW for images) order: the value the
// kernels and the executor pass around. Integer-valued outputs (MaxPool's
// Indices, Dropout's mask) are stored as floats (exact below 2^24). Plain value;
// safe to read from several threads.
#pragma once

#include <vector>

#include "distcnn/model/graph.h"

namespace distcnn {

struct Tensor {
  Shape shape;
  std::vector<float> data;  // NumElements(shape) values

  Tensor() = default;
  explicit Tensor(Shape s) : shape(std::move(s)), data(static_cast<size_t>(NumElements(shape))) {}
  Tensor(Shape s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}
  int64_t size() const { return static_cast<int64_t>(data.size()); }
};

}  // namespace distcnn
