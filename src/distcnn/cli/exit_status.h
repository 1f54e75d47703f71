// Exit statuses of the `distcnn` command (docs and shared/spec/scenario.md) and
// the one way commands report a failure: "error: MESSAGE" on stderr.
#pragma once

#include <iostream>

#include "distcnn/base/status.h"

namespace distcnn {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 1;       // bad input or runtime failure
constexpr int kExitInfeasible = 2;     // proven infeasible plan
constexpr int kExitNoPlan = 3;         // no plan within the time limit
constexpr int kExitRunFailed = 4;      // `run`: a node failed, or frames were lost or duplicated
constexpr int kExitInterrupted = 130;  // `run`: stopped by SIGINT (Ctrl-C), after its report

// Prints the status's message to stderr and returns kExitBadInput.
inline int Fail(const Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return kExitBadInput;
}

}  // namespace distcnn
