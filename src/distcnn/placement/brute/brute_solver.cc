#include "distcnn/placement/brute/brute_solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "distcnn/placement/split_cost.h"

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

// Every placement of one layer item (docs/cost-model.md, "The plan space"):
// whole on each unit that fits it, and, for a lone layer the CNN may split,
// every kind, unit set, share vector and merge unit. A fused option covers the
// item and the next one (layer j+1); `span` says how many items it fills.
struct Option {
  std::vector<Placement> placements;  // one per layer it places
};

// Compositions of `total` into `parts` positive integers, in lexicographic order.
void Compositions(int total, int parts, std::vector<int>& prefix,
                  std::vector<std::vector<int>>& out) {
  if (parts == 1) {
    prefix.push_back(total);
    out.push_back(prefix);
    prefix.pop_back();
    return;
  }
  for (int first = 1; first <= total - (parts - 1); ++first) {
    prefix.push_back(first);
    Compositions(total - first, parts - 1, prefix, out);
    prefix.pop_back();
  }
}

void AddSplitOptions(const CostModel& model, int c, int j, PartitionKind kind,
                     std::vector<Option>& out) {
  const Cnn& cnn = model.problem().cnns[c];
  const Partitioning& part = cnn.partitioning;
  const std::vector<int>& units = model.EligibleUnits(c);
  const int n = static_cast<int>(units.size());
  const int64_t split_units = SplitUnits(cnn.layers[j], kind);
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    const int size = __builtin_popcount(mask);
    if (size < 2 || size > part.max_parts || size > part.granules) continue;
    std::vector<int> set;
    for (int k = 0; k < n; ++k) {
      if (mask & (1u << k)) set.push_back(units[k]);
    }
    std::vector<std::vector<int>> shares;
    std::vector<int> prefix;
    Compositions(part.granules, size, prefix, shares);
    for (const std::vector<int>& share : shares) {
      const std::vector<int64_t> counts = SplitUnitCounts(split_units, share);
      if (std::find(counts.begin(), counts.end(), 0) != counts.end()) continue;
      for (int merge : set) {
        Placement p{kind, {}, merge};
        for (int k = 0; k < size; ++k) p.parts.push_back(Part{set[k], share[k]});
        Option o{{p}};
        if (kind == PartitionKind::kFused) o.placements.push_back(p);
        out.push_back(std::move(o));
      }
    }
  }
}

// Exhaustive search over placements with splits; every leaf is made into a
// Plan (which checks the plan space) and priced by EvaluateGeneral.
struct SplitSearch {
  const CostModel& model;
  std::vector<std::vector<Option>> options;  // per item
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
    for (const Option& o : options[item]) {
      // An option places consecutive layers of one CNN, from the item's first.
      const LayerRef first = items[item].layers[0];
      for (const LayerRef& r : items[item].layers) current[r.cnn][r.layer] = o.placements[0];
      for (size_t k = 1; k < o.placements.size(); ++k) {
        current[first.cnn][first.layer + k] = o.placements[k];
      }
      Place(item + o.placements.size());
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
  const Problem& problem = model.problem();
  SplitSearch s{model, {}, {}, {}, std::isfinite(options.time_limit_s), {}};
  s.best.solver = "brute";
  double candidates = 1;
  for (int it = 0; it < static_cast<int>(model.items().size()); ++it) {
    const Item& item = model.items()[it];
    std::vector<Option> opts;
    for (int u = 0; u < model.num_units(); ++u) {
      if (model.ItemFits(it, u))
        opts.push_back(Option{{Placement{PartitionKind::kWhole, {Part{u}}}}});
    }
    if (item.layers.size() == 1) {
      const LayerRef r = item.layers[0];
      const Cnn& cnn = problem.cnns[r.cnn];
      const bool next_alone = r.layer + 1 < static_cast<int>(cnn.layers.size()) &&
                              it + 1 < static_cast<int>(model.items().size()) &&
                              model.items()[it + 1].layers.size() == 1 &&
                              model.items()[it + 1].layers[0] == LayerRef{r.cnn, r.layer + 1};
      for (PartitionKind kind :
           {PartitionKind::kOutChannels, PartitionKind::kInChannels, PartitionKind::kFused}) {
        if (kind == PartitionKind::kFused && !next_alone) continue;
        if (CanSplit(cnn, r.layer, kind, false)) AddSplitOptions(model, r.cnn, r.layer, kind, opts);
      }
    }
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
