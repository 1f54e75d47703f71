#include "distcnn/placement/solver.h"

#include <cmath>
#include <cstdio>

namespace distcnn {

const char* SolveStatusName(SolveStatus s) {
  switch (s) {
    case SolveStatus::kOptimal:
      return "optimal";
    case SolveStatus::kFeasible:
      return "feasible";
    case SolveStatus::kInfeasible:
      return "infeasible";
    case SolveStatus::kNoSolution:
      return "no_solution";
  }
  return "?";
}

double SolveResult::gap() const {
  if (!plan) return std::numeric_limits<double>::infinity();
  if (status == SolveStatus::kOptimal || objective_s <= 0) return 0;
  return std::max(0.0, (objective_s - bound_s) / objective_s);
}

void FinishWithEvaluation(const CostModel& model, SolveResult& result) {
  if (!result.plan) return;
  Evaluation ev = Evaluate(model, *result.plan);
  if (!ev.feasible()) {
    std::fprintf(stderr, "solver %s returned an infeasible plan: %s\n", result.solver.c_str(),
                 ev.violations[0].c_str());
  }
  DISTCNN_CHECK(ev.feasible());
  result.objective_s = ev.objective_s;
  if (result.status == SolveStatus::kOptimal) result.bound_s = ev.objective_s;
  if (result.bound_s > result.objective_s) result.bound_s = result.objective_s;
}

}  // namespace distcnn
