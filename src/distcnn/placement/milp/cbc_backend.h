// CBC backend: solves a MilpModel with COIN-OR CBC 2.10 through its standalone
// driver (CbcMain0/CbcMain1, so presolve, cuts and heuristics run). The only
// file that includes CBC headers. CBC is not thread-safe: every solve holds a
// process-wide mutex. CBC's exceptions are caught here and become a note.
// A deadline is enforced by an event handler as well as CBC's own limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "distcnn/placement/milp/milp_model.h"
#include "distcnn/placement/solver.h"

namespace distcnn {

struct CbcSettings {
  // Wall-clock deadline; none by default.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Relative gap at which CBC may stop (CBC's ratioGap). Default 0: exact.
  double relative_gap = 0;
};

struct CbcOutcome {
  // kOptimal, kFeasible (limit hit, solution known), kInfeasible (proven) or
  // kNoSolution (limit hit or CBC failed; see note).
  SolveStatus status = SolveStatus::kNoSolution;
  std::vector<double> values;  // column values of the best solution, if any
  double objective = 0;        // model objective of `values` (scaled)
  double bound = 0;            // CBC's best possible objective (scaled)
  int64_t nodes = 0;
  std::string note;
};

// Solves `milp` (which must have an empty infeasible_reason). Blocks while
// another thread is inside CBC.
CbcOutcome SolveWithCbc(const MilpModel& milp, const CbcSettings& settings);

}  // namespace distcnn
