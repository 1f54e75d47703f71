#include "distcnn/placement/evaluator.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace distcnn {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double HopCost(double coef, int hops) {
  if (hops == HopGraph::kUnreachable) return coef == 0 ? 0 : kInf;
  return coef * hops;
}

std::string Fmt(const char* format, double a, double b) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, a, b);
  return buf;
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
    lat.source_s = HopCost(model.SourceCoef(c), model.SourceHops(c, a[0]));
    for (int j = 0; j < m; ++j) {
      lat.processing_s += model.ProcessingTime(c, j, a[j]);
      lat.sink_s += HopCost(model.SinkCoef(c, j), model.SinkHops(c, a[j]));
      if (j + 1 < m) lat.links_s += HopCost(model.LinkCoef(c, j), model.Hops(a[j], a[j + 1]));
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
  for (int i = 0; i < n; ++i) {
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
  std::vector<double> totals;
  for (const CnnLatency& l : ev.cnns) totals.push_back(l.total_s());
  ev.objective_s = CombineObjective(problem.objective, totals);
  return ev;
}

Evaluation Evaluate(const CostModel& model, const Plan& plan) {
  return Evaluate(model, plan.ToAssignment());
}

}  // namespace distcnn
