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

// Turns partitioning on for every CNN of `problem` (kinds, max_parts 2-3 and
// granules 2-4 drawn from `seed`) and gives each layer split figures that
// are consistent with its memory, mults and output bytes: random split-unit
// counts, a random share of the weights and mults as merge work, some layers
// fusable with the next. Layers in shared groups get figures too (the plan
// space forbids splitting them). Same seed, same result.
void AddRandomSplits(uint64_t seed, Problem& problem);

}  // namespace distcnn
