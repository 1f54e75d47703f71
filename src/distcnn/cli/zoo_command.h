// `distcnn zoo list` prints the built-in models; `distcnn zoo export NAME
// OUT.onnx` writes one as an ONNX file (with its seeded weights) that passes
// the ONNX checker. Returns the process exit status (0 ok, 1 bad input/failure).
#pragma once

#include <cstdint>
#include <string>

namespace distcnn {

struct ZooFlags {
  std::string name;   // export: the zoo model
  std::string out;    // export: the output path
  uint64_t seed = 1;  // export: weight seed
};

int RunZooList();
int RunZooExport(const ZooFlags& flags);

}  // namespace distcnn
