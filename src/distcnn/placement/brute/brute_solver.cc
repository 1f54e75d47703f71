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
  std::vector<int> items_on_unit;
  std::vector<int64_t> memory_on_unit;
  std::vector<double> mults_on_unit;
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
        best.assignment = current;
      }
      return;
    }
    const Problem& p = model.problem();
    for (int u = 0; u < model.num_units(); ++u) {
      const DeviceType& t = p.system.units[u].type;
      if (!model.ItemFits(item, u)) continue;
      if (items_on_unit[u] + 1 > model.layer_limit()) continue;
      if (memory_on_unit[u] + items[item].memory_bytes > t.memory_bytes) continue;
      if (mults_on_unit[u] + items[item].mults > t.max_mults * (1 + 1e-12)) continue;
      for (const LayerRef& r : items[item].layers) current.unit[r.cnn][r.layer] = u;
      items_on_unit[u] += 1;
      memory_on_unit[u] += items[item].memory_bytes;
      mults_on_unit[u] += items[item].mults;
      Place(item + 1);
      items_on_unit[u] -= 1;
      memory_on_unit[u] -= items[item].memory_bytes;
      mults_on_unit[u] -= items[item].mults;
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
  Search s{model, {}, std::isfinite(options.time_limit_s), {}, {}, {}, {}, {}};
  if (s.has_deadline) {
    s.deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(options.time_limit_s));
  }
  for (int c = 0; c < model.num_cnns(); ++c) s.current.unit.emplace_back(model.num_layers(c), 0);
  const int n = model.num_units();
  s.items_on_unit.assign(n, 0);
  s.memory_on_unit.assign(n, 0);
  s.mults_on_unit.assign(n, 0);
  s.best.solver = "brute";
  s.Place(0);
  result = s.best;
  if (s.timed_out) {
    result.status = result.assignment ? SolveStatus::kFeasible : SolveStatus::kNoSolution;
    result.note = "time limit";
  } else {
    result.status = result.assignment ? SolveStatus::kOptimal : SolveStatus::kInfeasible;
  }
  result.solve_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  FinishWithEvaluation(model, result);
  return result;
}

}  // namespace distcnn
