// MilpSolver ("milp"): the placement problem as a mixed-integer linear program
// (see milp_model.h for the formulation; split_milp.h with partitioning on)
// solved by COIN-OR CBC. It is the correctness cross-check and the speed
// baseline for the exact solver, splits included. Every
// returned plan is re-evaluated by the evaluator. Solves are serialised
// process-wide (CBC is not thread-safe); a MilpSolver object itself holds no
// state between solves.
#pragma once

#include <chrono>

#include "distcnn/placement/solver.h"

namespace distcnn {

class MilpSolver : public Solver {
 public:
  std::string_view name() const override { return "milp"; }
  // Honours options.time_limit_s (wall clock, including model building) and
  // options.relative_gap. Outcomes: kOptimal, kFeasible (limit hit; bound_s is
  // CBC's best possible objective), kInfeasible (proven; note names the reason),
  // kNoSolution (limit hit before a plan was found, or CBC failed; see note).
  // With partitioning on, it searches the whole plan space of
  // docs/cost-model.md (split_milp.h).
  SolveResult Solve(const CostModel& model, const SolveOptions& options) override;

 private:
  SolveResult SolveWithSplits(const CostModel& model, const SolveOptions& options,
                              std::chrono::steady_clock::time_point start);
};

}  // namespace distcnn
