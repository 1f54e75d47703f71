#include "distcnn/placement/exact/exact_solver.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "distcnn/placement/exact/branch_and_bound.h"
#include "distcnn/placement/exact/split_search.h"
#include "distcnn/placement/infeasibility.h"

namespace distcnn {

SolveResult ExactSolver::SolveWithSplits(const CostModel& model, const exact::SearchLimits& limits,
                                         std::chrono::steady_clock::time_point start) {
  const exact::SplitOutcome out = exact::RunSplitSearch(model, limits);
  SolveResult result;
  result.solver = "exact";
  result.nodes = out.nodes;
  if (out.plan) {
    Result<Plan> plan = Plan::Make(model.problem(), *out.plan);
    DISTCNN_CHECK(plan.ok());  // options are made from the plan space
    result.plan = *std::move(plan);
  }
  if (!out.note.empty()) {
    result.status = out.plan ? SolveStatus::kFeasible : SolveStatus::kNoSolution;
  } else if (out.complete) {
    result.status = !out.plan ? SolveStatus::kInfeasible
                    : out.bound_s >= out.cost_s - 1e-9 * std::abs(out.cost_s) - 1e-15
                        ? SolveStatus::kOptimal
                        : SolveStatus::kFeasible;
  } else {
    result.status = out.plan ? SolveStatus::kFeasible : SolveStatus::kNoSolution;
  }
  result.bound_s = out.bound_s;
  char note[256];
  std::snprintf(note, sizeof note,
                "%s; split search: nodes=%lld options=%lld root_bound_s=%.9g first_plan_s=%.3g",
                !out.note.empty() ? out.note.c_str()
                : out.complete ? (result.status == SolveStatus::kFeasible ? "relative gap reached"
                                                                          : "search complete")
                               : "time limit",
                static_cast<long long>(out.nodes), static_cast<long long>(out.options),
                out.root_bound_s, out.first_plan_s);
  result.note = note;
  result.solve_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  FinishWithEvaluation(model, result);
  return result;
}

SolveResult ExactSolver::Solve(const CostModel& model, const SolveOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  exact::SearchLimits limits;
  if (std::isfinite(options.time_limit_s)) {
    limits.deadline =
        start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(std::max(0.0, options.time_limit_s)));
  }
  limits.relative_gap = std::max(0.0, options.relative_gap);
  limits.progress = options.progress;
  limits.progress_interval_s = options.progress_interval_s;

  SolveResult result;
  result.solver = "exact";
  // Counting proves many infeasible problems at once; the search would have to
  // exhaust its tree to find out.
  if (std::optional<std::string> reason = ProveInfeasible(model)) {
    result.status = SolveStatus::kInfeasible;
    result.note = "proven before search: " + *reason;
    result.solve_time_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  if (AnyPartitioning(model.problem())) return SolveWithSplits(model, limits, start);
  const exact::SearchOutcome out = exact::RunBranchAndBound(model, limits);

  result.nodes = out.nodes;
  if (out.plan) result.plan = Plan::Whole(model.problem(), *out.plan);
  if (out.complete) {
    if (!out.plan) {
      result.status = SolveStatus::kInfeasible;
    } else if (out.bound_s >= out.cost_s - 1e-9 * std::abs(out.cost_s) - 1e-15) {
      result.status = SolveStatus::kOptimal;
    } else {
      result.status = SolveStatus::kFeasible;  // stopped at options.relative_gap
    }
  } else {
    result.status = out.plan ? SolveStatus::kFeasible : SolveStatus::kNoSolution;
  }
  result.bound_s = out.plan || !out.complete ? out.bound_s : 0;
  char note[256];
  std::snprintf(
      note, sizeof note,
      "%s; nodes=%lld enumerated=%lld relaxations=%lld root_bound_s=%.9g first_plan_s=%.3g",
      out.complete
          ? (result.status == SolveStatus::kFeasible ? "relative gap reached" : "search complete")
          : "time limit",
      static_cast<long long>(out.nodes), static_cast<long long>(out.enumerated),
      static_cast<long long>(out.relaxations), out.root_bound_s, out.first_plan_s);
  result.note = note;
  result.solve_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  FinishWithEvaluation(model, result);
  return result;
}

}  // namespace distcnn
