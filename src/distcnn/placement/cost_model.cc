#include "distcnn/placement/cost_model.h"

namespace distcnn {

CostModel::CostModel(const Problem& problem)
    : problem_(&problem),
      num_units_(problem.num_units()),
      seconds_per_byte_(8.0 / problem.system.technology.rate_bps) {
  const IoTSystem& sys = problem.system;
  for (const Cnn& cnn : problem.cnns) {
    const int m = static_cast<int>(cnn.layers.size());
    CnnCoefs k;
    k.source_coef = AirtimePerHop(1.0, cnn.input_bytes);
    const std::vector<double> p = RunProbabilities(cnn);
    const std::vector<double> g = ExitProbabilities(cnn);
    for (int j = 0; j < m; ++j) {
      k.sink_coef.push_back(AirtimePerHop(g[j], cnn.decision_bytes));
      if (j < m - 1) k.link_coef.push_back(AirtimePerHop(p[j + 1], cnn.layers[j].output_bytes));
      double w = p[j];
      if (problem.cost_convention == CostConvention::kPublishedV1) w = (j < m - 1) ? p[j + 1] : 0.0;
      k.proc_weight.push_back(w);
    }
    k.proc_time.resize(static_cast<size_t>(m) * num_units_);
    for (int j = 0; j < m; ++j) {
      for (int i = 0; i < num_units_; ++i) {
        k.proc_time[static_cast<size_t>(j) * num_units_ + i] =
            k.proc_weight[j] * cnn.layers[j].mults / sys.units[i].type.mults_per_s;
      }
    }
    const int src = sys.sources[cnn.source].vertex;
    const int snk = sys.sinks[cnn.sink].vertex;
    for (int i = 0; i < num_units_; ++i) {
      k.source_hops.push_back(sys.graph.Distance(src, i));
      k.sink_hops.push_back(sys.graph.Distance(i, snk));
      const bool ok = k.source_hops.back() != HopGraph::kUnreachable &&
                      k.sink_hops.back() != HopGraph::kUnreachable;
      k.eligible.push_back(ok ? 1 : 0);
      if (ok) k.eligible_units.push_back(i);
    }
    item_of_.emplace_back(m, -1);
    cnns_.push_back(std::move(k));
  }
  for (const auto& group : problem.shared) {
    Item item{group, problem.layer(group[0]).memory_bytes, problem.layer(group[0]).mults};
    for (const LayerRef& r : group) item_of_[r.cnn][r.layer] = static_cast<int>(items_.size());
    items_.push_back(std::move(item));
  }
  for (int c = 0; c < static_cast<int>(problem.cnns.size()); ++c) {
    for (int j = 0; j < static_cast<int>(problem.cnns[c].layers.size()); ++j) {
      if (item_of_[c][j] >= 0) continue;
      const Layer& l = problem.cnns[c].layers[j];
      item_of_[c][j] = static_cast<int>(items_.size());
      items_.push_back(Item{{LayerRef{c, j}}, l.memory_bytes, l.mults});
    }
  }
  const int total_items = static_cast<int>(items_.size());
  layer_limit_ = problem.max_layers_per_unit > 0 ? problem.max_layers_per_unit : total_items + 1;
}

unsigned CostModel::ExceededLimitsOn(int unit, const UnitUsage& usage) const {
  const DeviceType& t = problem_->system.units[unit].type;
  return ExceededLimits(usage, layer_limit_, t.memory_bytes, t.max_mults);
}

bool CostModel::ItemFits(int item, int unit) const {
  const Item& it = items_[item];
  if (ExceededLimitsOn(unit, UnitUsage{1, it.memory_bytes, it.mults}) != 0) return false;
  for (const LayerRef& r : it.layers) {
    if (!Eligible(r.cnn, unit)) return false;
  }
  return true;
}

}  // namespace distcnn
