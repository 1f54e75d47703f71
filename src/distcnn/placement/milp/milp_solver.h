// MilpSolver ("milp"): the placement problem as a mixed-integer linear program
// (see milp_model.h for the formulation) solved by COIN-OR CBC. It is the
// correctness cross-check and the speed baseline for the exact solver. Every
// returned plan is re-evaluated by the evaluator. Solves are serialised
// process-wide (CBC is not thread-safe); a MilpSolver object itself holds no
// state between solves.
#pragma once

#include "distcnn/placement/solver.h"

namespace distcnn {

class MilpSolver : public Solver {
 public:
  std::string_view name() const override { return "milp"; }
  // Honours options.time_limit_s (wall clock, including model building) and
  // options.relative_gap. Outcomes: kOptimal, kFeasible (limit hit; bound_s is
  // CBC's best possible objective), kInfeasible (proven; note names the reason),
  // kNoSolution (limit hit before a plan was found, or CBC failed; see note).
  SolveResult Solve(const CostModel& model, const SolveOptions& options) override;
};

}  // namespace distcnn
