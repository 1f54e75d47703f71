#include "distcnn/placement/brute/brute_solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "distcnn/placement/layer_options.h"

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

// Exhaustive search over placements with splits; every leaf is made into a
// Plan (which checks the plan space) and priced by EvaluateGeneral.
struct SplitSearch {
  const CostModel& model;
  std::vector<std::vector<LayerOption>> options;  // per item
  std::vector<std::vector<Placement>> current;
  std::chrono::steady_clock::time_point deadline;
  bool has_deadline;
  SolveResult best;
  bool timed_out = false;

  void Place(size_t item) {
    if (timed_out) return;
    const auto& items = model.items();
    if (item == items.size()) {
      ++best.nodes;
      if (has_deadline && (best.nodes & 255) == 0 && std::chrono::steady_clock::now() > deadline) {
        timed_out = true;
      }
      Result<Plan> plan = Plan::Make(model.problem(), current);
      if (!plan.ok()) return;
      const Evaluation ev = EvaluateGeneral(model, *plan);
      if (ev.feasible() && ev.objective_s < best.objective_s) {
        best.objective_s = ev.objective_s;
        best.plan = *std::move(plan);
      }
      return;
    }
    for (const LayerOption& o : options[item]) {
      // An option places consecutive layers of one CNN, from the item's first.
      const LayerRef first = items[item].layers[0];
      for (const LayerRef& r : items[item].layers) current[r.cnn][r.layer] = o.placements[0];
      for (size_t k = 1; k < o.placements.size(); ++k) {
        current[first.cnn][first.layer + k] = o.placements[k];
      }
      Place(item + o.placements.size());  // a span fills lone-layer items
    }
  }
};

using Clock = std::chrono::steady_clock;

Clock::time_point Deadline(Clock::time_point start, double limit_s) {
  return start +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit_s));
}

// The outcome of a search that kept `best`: optimal or infeasible when it ran
// to the end, feasible or no_solution when the deadline stopped it.
SolveResult Finish(const CostModel& model, SolveResult best, bool timed_out,
                   Clock::time_point start) {
  if (timed_out) {
    best.status = best.plan ? SolveStatus::kFeasible : SolveStatus::kNoSolution;
    best.note = "time limit";
  } else {
    best.status = best.plan ? SolveStatus::kOptimal : SolveStatus::kInfeasible;
  }
  best.solve_time_s = std::chrono::duration<double>(Clock::now() - start).count();
  FinishWithEvaluation(model, best);
  return best;
}

}  // namespace

SolveResult BruteSolver::SolveWithSplits(const CostModel& model, const SolveOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SolveResult result;
  result.solver = "brute";
  SplitSearch s{model, {}, {}, {}, std::isfinite(options.time_limit_s), {}};
  s.best.solver = "brute";
  double candidates = 1;
  for (int it = 0; it < static_cast<int>(model.items().size()); ++it) {
    const Item& item = model.items()[it];
    const LayerRef r = item.layers[0];
    // An option spanning k layers (a fused pair, a spatial stack) fills the
    // next k - 1 items too, so they must be the CNN's next layers, alone.
    int run = 1;
    while (it + run < static_cast<int>(model.items().size()) &&
           model.items()[it + run].layers.size() == 1 &&
           model.items()[it + run].layers[0] == LayerRef{r.cnn, r.layer + run}) {
      ++run;
    }
    std::vector<LayerOption> opts =
        LayerOptions(model, r.cnn, r.layer, item.layers.size() > 1, run > 1);
    std::erase_if(opts, [run](const LayerOption& o) { return o.span() > run; });
    candidates *= std::max<size_t>(1, opts.size());
    s.options.push_back(std::move(opts));
  }
  if (candidates > max_assignments_) {
    result.note = "instance too large for brute force";
    return result;
  }
  if (s.has_deadline) s.deadline = Deadline(start, options.time_limit_s);
  for (int c = 0; c < model.num_cnns(); ++c) s.current.emplace_back(model.num_layers(c));
  s.Place(0);
  return Finish(model, std::move(s.best), s.timed_out, start);
}

SolveResult BruteSolver::Solve(const CostModel& model, const SolveOptions& options) {
  if (AnyPartitioning(model.problem())) return SolveWithSplits(model, options);
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
  if (s.has_deadline) s.deadline = Deadline(start, options.time_limit_s);
  for (int c = 0; c < model.num_cnns(); ++c) s.current.unit.emplace_back(model.num_layers(c), 0);
  const int n = model.num_units();
  s.usage.assign(n, UnitUsage{});
  s.best.solver = "brute";
  s.Place(0);
  return Finish(model, std::move(s.best), s.timed_out, start);
}

}  // namespace distcnn
