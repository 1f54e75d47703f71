// `distcnn infer MODEL`: single-process inference (the monolithic reference the
// distributed runtime is checked against). Loads the model with its weights,
// feeds a seeded uniform [0, 1) input or the file given by --input (an .npy
// array or an image, preprocessed as in io/image.h), runs every node with the
// reference kernels and prints which input it used and, per graph output, its
// shape, the top-k classes by logit and the inference time. Optionally writes
// the outputs as float32 .npy files. Returns the exit status (0 ok, 1 bad
// input/failure).
#pragma once

#include <cstdint>
#include <string>

namespace distcnn {

struct InferFlags {
  std::string model;               // "zoo:NAME" or a path to an .onnx file
  uint64_t random_seed = 1;        // seed of the random input (used when `input` is empty)
  std::string input;               // .npy or image file for the model's first input; "": random
  int top = 5;                     // classes printed per output
  std::string save_output;         // write graph->outputs[0] as float32 .npy here; "": don't
  std::string save_outputs;        // write every output as DIR/<sanitised name>.npy; "": don't
  std::string kernels = "onednn";  // kernel backend (cli/kernel_choice.h)
  int threads = 0;                 // oneDNN intra-op threads; 0: its default
  int repeat = 1;                  // timed runs; the median is printed
};

int RunInferCommand(const InferFlags& flags);

}  // namespace distcnn
