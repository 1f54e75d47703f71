#include "distcnn/placement/milp/milp_solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "distcnn/placement/milp/cbc_backend.h"
#include "distcnn/placement/milp/milp_model.h"

namespace distcnn {

SolveResult MilpSolver::Solve(const CostModel& model, const SolveOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  SolveResult result;
  result.solver = "milp";
  auto finish = [&]() {
    result.solve_time_s = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  };

  if (model.num_cnns() == 0) {
    result.status = SolveStatus::kOptimal;
    result.plan = Plan::Whole(model.problem(), Assignment{});
    FinishWithEvaluation(model, result);
    return finish();
  }

  const MilpModel milp = BuildMilpModel(model);
  if (!milp.infeasible_reason.empty()) {
    result.status = SolveStatus::kInfeasible;
    result.note = milp.infeasible_reason;
    return finish();
  }

  CbcSettings settings;
  settings.relative_gap = options.relative_gap;
  if (std::isfinite(options.time_limit_s)) {
    settings.deadline =
        start + std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(std::max(0.0, options.time_limit_s)));
  }
  CbcOutcome outcome = SolveWithCbc(milp, settings);
  result.nodes = outcome.nodes;
  result.note = outcome.note;
  result.status = outcome.status;
  if (outcome.values.empty()) {
    // No incumbent: only "proven infeasible" or "no solution" are honest.
    if (result.status != SolveStatus::kInfeasible) result.status = SolveStatus::kNoSolution;
    return finish();
  }
  if (result.status != SolveStatus::kOptimal && result.status != SolveStatus::kFeasible) {
    result.status = SolveStatus::kFeasible;
  }

  Assignment assignment = AssignmentFromColumns(model, milp, outcome.values);
  // CBC works to tolerances; a solution that the evaluator rejects (it never
  // should) is reported, not returned.
  const Evaluation ev = Evaluate(model, assignment);
  if (!ev.feasible()) {
    result.status = SolveStatus::kNoSolution;
    result.note = "CBC's solution violates a constraint after rounding: " + ev.violations[0];
    return finish();
  }
  result.plan = Plan::Whole(model.problem(), assignment);
  // All costs are non-negative, so 0 is always a valid bound.
  const double bound = outcome.bound / milp.objective_scale;
  result.bound_s = std::isfinite(bound) ? std::max(0.0, bound) : 0.0;
  FinishWithEvaluation(model, result);
  return finish();
}

}  // namespace distcnn
