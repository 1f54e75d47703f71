// The built-in default scenario that `distcnn plan` uses when no file is given:
// the authors' "three AlexNets" application — 50 random units (45 % OrangePi
// Zero, 45 % BeagleBone AI, 10 % Raspberry Pi 3B+) in a 30 m x 30 m square,
// Wi-Fi 4, three cameras and one sink placed at random, L = 1.
#pragma once

#include <cstdint>

#include "distcnn/base/status.h"
#include "distcnn/placement/problem.h"
#include "distcnn/scenario/scenario_loader.h"
#include "distcnn/system/random_system.h"

namespace distcnn {

// Options of the random system of the default scenario (the authors' mix).
RandomSystemOptions AuthorsSystemOptions(int num_units, int num_sources);

// Draws the default scenario for `seed` (redrawn until connected).
Result<Problem> DefaultProblem(uint64_t seed = 1);

// The default scenario as `distcnn run` needs it: DefaultProblem with each
// AlexNet backed by zoo:alexnet-2class (the architecture of the paper's table).
Result<Scenario> DefaultScenario(uint64_t seed = 1);

}  // namespace distcnn
