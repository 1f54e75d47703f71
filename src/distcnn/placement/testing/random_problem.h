// Seeded random placement problems for cross-checking solvers: a few units with
// random speeds and memories on a random radio graph, 1-3 CNNs with random layer
// sizes, and (by seed) layer limits, tight memories, max_mults, exits, shared
// layers, both objectives and both cost conventions. Same seed, same problem.
#pragma once

#include <cstdint>

#include "distcnn/placement/problem.h"

namespace distcnn {

struct RandomProblemOptions {
  int min_units = 2;
  int max_units = 12;
  int max_cnns = 3;
  int max_layers = 5;  // per CNN, at least 2
};

Problem RandomProblem(uint64_t seed, const RandomProblemOptions& options = {});

}  // namespace distcnn
