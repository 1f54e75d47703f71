// The seeded random input every command uses (`infer --random-seed`, `run`'s
// frames): uniform values in [0, 1) in row-major order from Rng(seed), so a
// distributed run and a monolithic inference see bit-identical inputs.
#pragma once

#include <cstdint>

#include "distcnn/base/rng.h"
#include "distcnn/kernels/tensor.h"

namespace distcnn {

inline Tensor RandomInput(const Shape& shape, uint64_t seed) {
  Rng rng(seed);
  Tensor t(shape);
  for (float& v : t.data) v = static_cast<float>(rng.Uniform());
  return t;
}

}  // namespace distcnn
