#include "distcnn/placement/milp/milp_solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "distcnn/placement/milp/cbc_backend.h"
#include "distcnn/placement/milp/milp_model.h"
#include "distcnn/placement/milp/split_milp.h"

namespace distcnn {

namespace {

using Clock = std::chrono::steady_clock;

// CBC's status, nodes and note into `result`. False when CBC kept no
// solution: then only "proven infeasible" or "no solution" are honest.
bool TakeOutcome(const CbcOutcome& outcome, SolveResult& result) {
  result.nodes = outcome.nodes;
  result.note = outcome.note;
  result.status = outcome.status;
  if (outcome.values.empty()) {
    if (result.status != SolveStatus::kInfeasible) result.status = SolveStatus::kNoSolution;
    return false;
  }
  if (result.status != SolveStatus::kOptimal && result.status != SolveStatus::kFeasible) {
    result.status = SolveStatus::kFeasible;
  }
  return true;
}

CbcSettings SettingsFor(const SolveOptions& options, Clock::time_point start) {
  CbcSettings settings;
  settings.relative_gap = options.relative_gap;
  if (std::isfinite(options.time_limit_s)) {
    settings.deadline =
        start + std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(std::max(0.0, options.time_limit_s)));
  }
  return settings;
}

}  // namespace

SolveResult MilpSolver::Solve(const CostModel& model, const SolveOptions& options) {
  const auto start = Clock::now();
  if (AnyPartitioning(model.problem())) return SolveWithSplits(model, options, start);
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

  CbcOutcome outcome = SolveWithCbc(milp, SettingsFor(options, start));
  if (!TakeOutcome(outcome, result)) return finish();

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

SolveResult MilpSolver::SolveWithSplits(const CostModel& model, const SolveOptions& options,
                                        Clock::time_point start) {
  SolveResult result;
  result.solver = "milp";
  auto finish = [&]() {
    result.solve_time_s = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  };

  const SplitMilp split = BuildSplitMilp(model);
  if (!split.milp.infeasible_reason.empty()) {
    result.status = SolveStatus::kInfeasible;
    result.note = split.milp.infeasible_reason;
    return finish();
  }
  CbcOutcome outcome = SolveWithCbc(split.milp, SettingsFor(options, start));
  if (!TakeOutcome(outcome, result)) return finish();

  // A solution read back wrongly, outside the plan space or rejected by the
  // evaluator (none should be) is reported, not returned.
  Result<std::vector<std::vector<Placement>>> layers =
      PlacementsFromColumns(model, split, outcome.values);
  Result<Plan> plan =
      layers.ok() ? Plan::Make(model.problem(), *std::move(layers)) : Result<Plan>(layers.status());
  if (!plan.ok()) {
    result.status = SolveStatus::kNoSolution;
    result.note = "CBC's solution is no plan: " + plan.status().message();
    return finish();
  }
  const Evaluation ev = Evaluate(model, *plan);
  if (!ev.feasible()) {
    result.status = SolveStatus::kNoSolution;
    result.note = "CBC's solution violates a constraint after rounding: " + ev.violations[0];
    return finish();
  }
  result.plan = *std::move(plan);
  // All costs are non-negative, so 0 is always a valid bound.
  const double bound = outcome.bound / split.milp.objective_scale;
  result.bound_s = std::isfinite(bound) ? std::max(0.0, bound) : 0.0;
  FinishWithEvaluation(model, result);
  return finish();
}

}  // namespace distcnn
