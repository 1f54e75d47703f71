// The layer tables of Disabato, Roveri and Alippi (Tables 1 and 2) exactly as
// printed (KB = 1000 B, multiplications in units of 10^4), so that scenarios and
// benchmarks can use the paper's CNNs without a model file. The zoo (models
// issue) derives the same layers from the architectures.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "distcnn/placement/problem.h"

namespace distcnn {

struct PaperCnn {
  std::string name;
  int64_t input_bytes = 0;  // K_s
  std::vector<Layer> layers;
};

// Names: "cnn5", "cnn5-gc", "alexnet", "alexnet-gc". `gate_exit_prob` sets nu
// of the gate layer of the GC variants (the paper uses 0.99).
const std::vector<std::string>& PaperCnnNames();
bool FindPaperCnn(std::string_view name, double gate_exit_prob, PaperCnn* out);

}  // namespace distcnn
