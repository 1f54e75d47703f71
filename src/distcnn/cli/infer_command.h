// `distcnn infer MODEL`: single-process inference (the monolithic reference the
// distributed runtime is checked against). Loads the model with its weights,
// feeds a seeded uniform [0, 1) input, runs every node with the reference
// kernels and prints, per graph output, its shape, the top-k classes by logit
// and the inference time. Returns the exit status (0 ok, 1 bad input/failure).
#pragma once

#include <cstdint>
#include <string>

namespace distcnn {

struct InferFlags {
  std::string model;         // "zoo:NAME" or a path to an .onnx file
  uint64_t random_seed = 1;  // seed of the random input
  int top = 5;               // classes printed per output
};

int RunInferCommand(const InferFlags& flags);

}  // namespace distcnn
