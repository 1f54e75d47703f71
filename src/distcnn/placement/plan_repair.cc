#include "distcnn/placement/plan_repair.h"

#include <vector>

namespace distcnn {

std::optional<RepairedPlan> RepairPlan(const Problem& problem, const Plan& current,
                                       const std::set<int>& failed) {
  std::vector<std::vector<Placement>> layers(static_cast<size_t>(current.num_cnns()));
  std::vector<std::pair<int, int>> orphans;  // (cnn, layer) whole on a failed unit
  for (int c = 0; c < current.num_cnns(); ++c) {
    for (int j = 0; j < current.num_layers(c); ++j) {
      const Placement& p = current.placement(c, j);
      layers[static_cast<size_t>(c)].push_back(p);
      for (const Part& part : p.parts) {
        if (!failed.count(part.unit)) continue;
        if (p.kind != PartitionKind::kWhole) return std::nullopt;
        orphans.emplace_back(c, j);
      }
    }
  }
  const CostModel model(problem);
  std::optional<RepairedPlan> best;
  if (orphans.empty()) {
    Result<Plan> same = Plan::Make(problem, layers);
    if (!same.ok()) return std::nullopt;
    Evaluation ev = Evaluate(model, *same);
    if (!ev.feasible()) return std::nullopt;
    return RepairedPlan{*std::move(same), std::move(ev)};
  }
  for (int u = 0; u < problem.num_units(); ++u) {
    if (failed.count(u)) continue;
    for (const auto& [c, j] : orphans) {
      layers[static_cast<size_t>(c)][static_cast<size_t>(j)].parts.front().unit = u;
    }
    Result<Plan> moved = Plan::Make(problem, layers);
    if (!moved.ok()) continue;
    Evaluation ev = Evaluate(model, *moved);
    if (!ev.feasible()) continue;
    if (!best || ev.objective_s < best->evaluation.objective_s) {
      best = RepairedPlan{*std::move(moved), std::move(ev)};
    }
  }
  return best;
}

}  // namespace distcnn
