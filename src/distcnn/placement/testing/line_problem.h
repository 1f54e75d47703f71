// A hand-checkable placement problem for tests: s - u0 - u1 - u2 - f in a line
// (sink f2 sits `at:` u2), rho = 8 bit/s so one byte costs one second per hop;
// u0 and u2 run 10 mults/s, u1 runs 1; one CNN "c" with layers A (exit 0.5) and B.
#pragma once

#include <cstdint>

#include "distcnn/placement/problem.h"

namespace distcnn {

// Every unit holds `unit_memory_bytes` of weights; each layer needs 10.
Problem LineTestProblem(int64_t unit_memory_bytes = 100);

// The worked example of docs/cost-model.md: two units one hop apart, one
// CNN of one conv layer that may be split by output channels (G = 4).
Problem SplitWorkedExampleProblem();

}  // namespace distcnn
