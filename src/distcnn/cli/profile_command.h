// `distcnn profile MODEL`: loads a model (zoo:NAME or an ONNX file), groups its
// operators into placeable layers and prints the per-layer profile as a table,
// CSV or JSON on stdout. With --measure it also times every layer on this host
// (runtime/layer_timing.h) and prints the measured times, the host's effective
// multiplications per second and a scenario device_types snippet using them.
// Returns the process exit status (0 ok, 1 bad input or a failed run).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace distcnn {

struct ProfileFlags {
  std::string model;                  // "zoo:NAME" or a path to an .onnx file
  std::string granularity = "layer";  // op | layer | block
  std::string format = "table";       // table | csv | json
  std::vector<std::string> dims;      // "NAME=SIZE" for symbolic input dimensions
  bool measure = false;               // time each layer on this host
  int repeat = 5;                     // --measure: timed runs per layer (median), >= 1
  std::string kernels = "onednn";
  int threads = 0;  // --measure: oneDNN threads (0: its default)     // --measure: kernel backend
                    // (cli/kernel_choice.h)
  std::string device_name = "host";  // --measure: device type name in the snippet
  uint64_t seed = 1;                 // --measure: seed of the random input (RandomInput)
  bool cold = false;                 // --measure: evict the caches before each run
};

int RunProfileCommand(const ProfileFlags& flags);

}  // namespace distcnn
