#include "distcnn/placement/brute/brute_solver.h"

#include <chrono>
#include <cmath>

namespace distcnn {

namespace {

struct Search {
  const CostModel& model;
  std::chrono::steady_clock::time_point deadline;
  bool has_deadline;
  Assignment current;
  std::vector<UnitUsage> usage;  // [unit]
  SolveResult best;
  bool timed_out = false;

  void Place(int item) {
    if (timed_out) return;
    const auto& items = model.items();
    if (item == static_cast<int>(items.size())) {
      ++best.nodes;
      if (has_deadline && (best.nodes & 1023) == 0 && std::chrono::steady_clock::now() > deadline) {
        timed_out = true;
      }
      Evaluation ev = Evaluate(model, current);
      if (ev.feasible() && ev.objective_s < best.objective_s) {
        best.objective_s = ev.objective_s;
        best.plan = Plan::Whole(model.problem(), current);
      }
      return;
    }
    for (int u = 0; u < model.num_units(); ++u) {
      if (!model.ItemFits(item, u)) continue;
      const UnitUsage before = usage[u];
      usage[u].items += 1;
      usage[u].memory_bytes += items[item].memory_bytes;
      usage[u].mults += items[item].mults;
      if (model.ExceededLimitsOn(u, usage[u]) == 0) {
        for (const LayerRef& r : items[item].layers) current.unit[r.cnn][r.layer] = u;
        Place(item + 1);
      }
      usage[u] = before;
    }
  }
};

}  // namespace

SolveResult BruteSolver::Solve(const CostModel& model, const SolveOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SolveResult result;
  result.solver = "brute";
  const double candidates =
      std::pow(static_cast<double>(model.num_units()), static_cast<double>(model.items().size()));
  if (candidates > max_assignments_) {
    result.note = "instance too large for brute force";
    return result;
  }
  Search s{model, {}, std::isfinite(options.time_limit_s), {}, {}, {}};
  if (s.has_deadline) {
    s.deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(options.time_limit_s));
  }
  for (int c = 0; c < model.num_cnns(); ++c) s.current.unit.emplace_back(model.num_layers(c), 0);
  const int n = model.num_units();
  s.usage.assign(n, UnitUsage{});
  s.best.solver = "brute";
  s.Place(0);
  result = s.best;
  if (s.timed_out) {
    result.status = result.plan ? SolveStatus::kFeasible : SolveStatus::kNoSolution;
    result.note = "time limit";
  } else {
    result.status = result.plan ? SolveStatus::kOptimal : SolveStatus::kInfeasible;
  }
  result.solve_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  FinishWithEvaluation(model, result);
  return result;
}

}  // namespace distcnn
