// ExactSolver ("exact"): proves optimal placements by branch and bound over unit
// restrictions with Lagrangian shortest-path bounds (see branch_and_bound.h).
// Supports every feature of the cost model: L, memory, max_mults, exits, shared
// layers, several CNNs, sum and max objectives, both cost conventions. At the
// time limit it returns the best plan with a proven lower bound. With
// partitioning on it searches split placements too (split_search.h).
// Deterministic.
#pragma once

#include <chrono>

#include "distcnn/placement/exact/branch_and_bound.h"
#include "distcnn/placement/solver.h"

namespace distcnn {

class ExactSolver : public Solver {
 public:
  std::string_view name() const override { return "exact"; }
  // Returns kOptimal (bound_s == objective_s), kInfeasible when proven, or at
  // options.time_limit_s kFeasible / kNoSolution with a valid bound_s. With
  // options.relative_gap > 0 the search may stop early with kFeasible and the
  // bound it proved.
  SolveResult Solve(const CostModel& model, const SolveOptions& options) override;

 private:
  SolveResult SolveWithSplits(const CostModel& model, const exact::SearchLimits& limits,
                              std::chrono::steady_clock::time_point start);
};

}  // namespace distcnn
