#include "distcnn/placement/evaluator.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "distcnn/placement/split_cost.h"

namespace distcnn {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Fmt(const char* format, double a, double b) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, a, b);
  return buf;
}

// Adds one part's or merge's figures to a unit's load.
void AddLoad(UnitLoad& load, LayerRef layer, int items, int64_t memory_bytes, double mults) {
  if (load.layers.empty() || !(load.layers.back() == layer)) load.layers.push_back(layer);
  load.items += items;
  load.memory_bytes += memory_bytes;
  load.mults += mults;
}

// The violations of each unit's limits, in the evaluator's words.
void CheckLimits(const CostModel& model, Evaluation& ev) {
  const Problem& problem = model.problem();
  for (int i = 0; i < model.num_units(); ++i) {
    const UnitLoad& load = ev.loads[i];
    const Unit& unit = problem.system.units[i];
    const unsigned exceeded =
        model.ExceededLimitsOn(i, UnitUsage{load.items, load.memory_bytes, load.mults});
    if (exceeded & kOverLayers) {
      ev.violations.push_back(
          "unit '" + unit.id + "' holds " + std::to_string(load.items) +
          " layers, more than L = " + std::to_string(problem.max_layers_per_unit));
    }
    if (exceeded & kOverMemory) {
      ev.violations.push_back("unit '" + unit.id + "' " +
                              Fmt("needs %.0f bytes of weights, more than its %.0f",
                                  static_cast<double>(load.memory_bytes),
                                  static_cast<double>(unit.type.memory_bytes)));
    }
    if (exceeded & kOverMults) {
      ev.violations.push_back("unit '" + unit.id + "' " +
                              Fmt("runs %.6g mults per frame, more than its max_mults %.6g",
                                  load.mults, unit.type.max_mults));
    }
  }
}

}  // namespace

double CombineObjective(Objective objective, const std::vector<double>& totals) {
  double out = 0;
  for (double t : totals) out = objective == Objective::kSum ? out + t : std::max(out, t);
  return out;
}

Evaluation Evaluate(const CostModel& model, const Assignment& assignment) {
  const Problem& problem = model.problem();
  const int n = model.num_units();
  Evaluation ev;
  ev.loads.resize(n);
  if (static_cast<int>(assignment.unit.size()) != model.num_cnns()) {
    ev.violations.push_back("assignment has the wrong number of CNNs");
    ev.objective_s = kInf;
    return ev;
  }
  for (int c = 0; c < model.num_cnns(); ++c) {
    const auto& a = assignment.unit[c];
    const int m = model.num_layers(c);
    CnnLatency lat;
    if (static_cast<int>(a.size()) != m ||
        std::any_of(a.begin(), a.end(), [n](int u) { return u < 0 || u >= n; })) {
      ev.violations.push_back("cnn '" + problem.cnns[c].name + "': malformed assignment");
      lat.source_s = kInf;
      ev.cnns.push_back(lat);
      continue;
    }
    lat.source_s = HopSeconds(model.SourceCoef(c), model.SourceHops(c, a[0]));
    for (int j = 0; j < m; ++j) {
      lat.processing_s += model.ProcessingTime(c, j, a[j]);
      lat.sink_s += HopSeconds(model.SinkCoef(c, j), model.SinkHops(c, a[j]));
      if (j + 1 < m) lat.links_s += HopSeconds(model.LinkCoef(c, j), model.Hops(a[j], a[j + 1]));
      if (!model.Eligible(c, a[j])) {
        ev.violations.push_back("layer " + problem.LayerName({c, j}) + " on unit '" +
                                problem.system.units[a[j]].id +
                                "', which cannot reach the CNN's source and sink");
      }
      ev.loads[a[j]].layers.push_back({c, j});
    }
    ev.cnns.push_back(lat);
  }
  if (!ev.violations.empty()) {
    ev.objective_s = kInf;
    return ev;
  }
  // Capacity: count each item once per unit it touches.
  for (int it = 0; it < static_cast<int>(model.items().size()); ++it) {
    const Item& item = model.items()[it];
    const int u0 = assignment.unit[item.layers[0].cnn][item.layers[0].layer];
    for (const LayerRef& r : item.layers) {
      if (assignment.unit[r.cnn][r.layer] != u0) {
        ev.violations.push_back("shared layers " + problem.LayerName(item.layers[0]) + " and " +
                                problem.LayerName(r) + " are on different units");
      }
    }
    UnitLoad& load = ev.loads[u0];
    load.items += 1;
    load.memory_bytes += item.memory_bytes;
    load.mults += item.mults;
  }
  CheckLimits(model, ev);
  std::vector<double> totals;
  for (const CnnLatency& l : ev.cnns) totals.push_back(l.total_s());
  ev.objective_s = CombineObjective(problem.objective, totals);
  return ev;
}

Evaluation Evaluate(const CostModel& model, const Plan& plan) {
  return plan.all_whole() ? Evaluate(model, plan.ToAssignment()) : EvaluateGeneral(model, plan);
}

Evaluation EvaluateGeneral(const CostModel& model, const Plan& plan) {
  const Problem& problem = model.problem();
  Evaluation ev;
  ev.loads.resize(model.num_units());
  std::vector<char> item_placed(model.items().size(), 0);
  for (int c = 0; c < model.num_cnns(); ++c) {
    const int m = model.num_layers(c);
    CnnLatency lat;
    // Transfers: whole-layer ones with the contract's coefficients, split ones
    // by their bytes (docs/cost-model.md).
    for (const Transfer& t : plan.transfers(c)) {
      const int hops = t.hops();
      switch (t.kind) {
        case TransferKind::kSource:
          lat.source_s += HopSeconds(model.SourceCoef(c), hops);
          break;
        case TransferKind::kLink:
          lat.links_s += HopSeconds(model.LinkCoef(c, t.from_layer), hops);
          break;
        case TransferKind::kExit:
          lat.sink_s += HopSeconds(model.SinkCoef(c, t.from_layer), hops);
          break;
        case TransferKind::kScatter:
          lat.scatter_s += HopSeconds(model.AirtimePerHop(t.prob, t.bytes), hops);
          break;
        case TransferKind::kGather:
          lat.gather_s += HopSeconds(model.AirtimePerHop(t.prob, t.bytes), hops);
          break;
      }
    }
    for (int j = 0; j < m; ++j) {
      const Placement& pl = plan.placement(c, j);
      const LayerRef ref{c, j};
      const std::string name = problem.LayerName(ref);
      for (const Part& part : pl.parts) {
        if (!model.Eligible(c, part.unit)) {
          ev.violations.push_back("layer " + name + " on unit '" +
                                  problem.system.units[part.unit].id +
                                  "', which cannot reach the CNN's source and sink");
        }
      }
      if (pl.kind == PartitionKind::kWhole) {
        const int u = pl.parts.front().unit;
        lat.processing_s += model.ProcessingTime(c, j, u);
        const int item = model.ItemOf(c, j);
        // A shared group counts once, on the unit of its first layer placed.
        if (!item_placed[item]) {
          item_placed[item] = 1;
          const Item& it = model.items()[item];
          AddLoad(ev.loads[u], ref, 1, it.memory_bytes, it.mults);
        } else {
          AddLoad(ev.loads[u], ref, 0, 0, 0);
        }
        continue;
      }
      // A span (fused pair, spatial stack) is priced at its last layer.
      if (!plan.SpanEnds(c, j)) continue;
      const int first = plan.SpanFirst(c, j);
      const SplitWork work = SplitSpanWork(model, c, first, j, pl, plan.PartUnits(c, j));
      for (const SplitWork::PartWork& part : work.parts) {
        for (size_t l = 0; l < part.layers.size(); ++l) {
          AddLoad(ev.loads[part.unit], LayerRef{c, first + static_cast<int>(l)}, 1,
                  part.layers[l].memory_bytes, part.layers[l].mults);
        }
      }
      lat.processing_s += work.processing_s;
      AddLoad(ev.loads[pl.merge], ref, 0, work.merge.memory_bytes, work.merge.mults);
    }
    ev.cnns.push_back(lat);
  }
  // Shared groups sit on one unit.
  for (const auto& group : problem.shared) {
    for (const LayerRef& r : group) {
      if (plan.OutputUnit(r.cnn, r.layer) != plan.OutputUnit(group[0].cnn, group[0].layer)) {
        ev.violations.push_back("shared layers " + problem.LayerName(group[0]) + " and " +
                                problem.LayerName(r) + " are on different units");
      }
    }
  }
  CheckLimits(model, ev);
  if (!ev.violations.empty()) {
    ev.objective_s = kInf;
    return ev;
  }
  std::vector<double> totals;
  for (const CnnLatency& l : ev.cnns) totals.push_back(l.total_s());
  ev.objective_s = CombineObjective(problem.objective, totals);
  return ev;
}

}  // namespace distcnn
