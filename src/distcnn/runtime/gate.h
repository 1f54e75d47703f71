// A gate's confidence in its decision: the top softmax probability of its
// logits. Nodes compare it with the gate's threshold; calibration picks the
// threshold from it. Pure.
#pragma once

#include <algorithm>
#include <cmath>

#include "distcnn/kernels/tensor.h"

namespace distcnn::runtime {

inline float GateConfidence(const Tensor& logits) {
  const float top = *std::max_element(logits.data.begin(), logits.data.end());
  double sum = 0;
  for (float v : logits.data) sum += std::exp(static_cast<double>(v - top));
  return static_cast<float>(1.0 / sum);
}

}  // namespace distcnn::runtime
