#include "distcnn/placement/exact/relaxation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace distcnn::exact {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

Relaxation::Relaxation(const CostModel& model, const Capacity& capacity)
    : model_(model), capacity_(capacity), n_(model.num_units()) {
  const int num_items = capacity.num_items();
  for (const Item& it : model.items()) group_size_.push_back(static_cast<int>(it.layers.size()));
  // A constraint is active when the items that could go on the unit could overload it.
  active_.assign(3 * n_, 0);
  for (int u = 0; u < n_; ++u) {
    int fit = 0;
    double mem = 0, mults = 0;
    for (int i = 0; i < num_items; ++i) {
      if (!model.ItemFits(i, u)) continue;
      ++fit;
      mem += static_cast<double>(capacity.item_memory(i));
      mults += capacity.item_mults(i);
    }
    active_[u] = fit > capacity.layer_limit();
    active_[n_ + u] = mem > static_cast<double>(capacity.memory(u));
    active_[2 * n_ + u] = std::isfinite(capacity.max_mults(u)) && mults > capacity.max_mults(u);
  }
  const bool any_active =
      std::any_of(active_.begin(), active_.end(), [](char a) { return a != 0; });
  priced_ = model.problem().objective == Objective::kSum && any_active;
  use_.resize(static_cast<size_t>(num_items) * n_ * 3);
  for (int i = 0; i < num_items; ++i) {
    for (int u = 0; u < n_; ++u) {
      for (int r = 0; r < 3; ++r) use_[UseIndex(r, i, u)] = ComputeUse(r, i, u);
    }
  }

  for (int c = 0; c < model.num_cnns(); ++c) {
    const int m = model.num_layers(c);
    std::vector<double> base(static_cast<size_t>(m) * n_, kInf);
    for (int j = 0; j < m; ++j) {
      for (int u = 0; u < n_; ++u) {
        if (!model.ItemFits(model.ItemOf(c, j), u)) continue;
        double cost = model.ProcessingTime(c, j, u) + model.SinkCoef(c, j) * model.SinkHops(c, u);
        if (j == 0) cost += model.SourceCoef(c) * model.SourceHops(c, u);
        base[static_cast<size_t>(j) * n_ + u] = cost;
      }
    }
    base_.push_back(std::move(base));
    // Under L = 1, consecutive layers that are different items never share a unit.
    std::vector<char> forbid(m, 0);
    for (int j = 0; j + 1 < m; ++j) {
      forbid[j] = capacity.layer_limit() == 1 && model.ItemOf(c, j) != model.ItemOf(c, j + 1);
    }
    // No feasible plan has a chain whose own items overload a unit (under L = 1:
    // a chain revisiting a unit with another item), so the chains may skip
    // them; this only matters when some limit can bind.
    dps_.emplace_back(model, c, std::move(forbid), any_active ? &capacity : nullptr);
  }
}

double Relaxation::ComputeUse(int r, int item, int unit) const {
  if (!active_[r * n_ + unit]) return 0;
  switch (r) {
    case 0:
      return 1.0 / capacity_.layer_limit();
    case 1:
      return static_cast<double>(capacity_.item_memory(item)) / capacity_.memory(unit);
    default:
      return capacity_.item_mults(item) / capacity_.max_mults(unit);
  }
}

void Relaxation::NodeCosts(int cnn, const std::vector<char>& allowed,
                           const std::vector<double>& prices, std::vector<double>* cost) const {
  const int m = model_.num_layers(cnn);
  const std::vector<double>& base = base_[cnn];
  cost->assign(base.begin(), base.end());
  for (int j = 0; j < m; ++j) {
    const int item = model_.ItemOf(cnn, j);
    const double share = 1.0 / group_size_[item];
    double* row = cost->data() + static_cast<size_t>(j) * n_;
    const char* ok = allowed.data() + static_cast<size_t>(item) * n_;
    if (priced_) {
      // Branch-free, to vectorise: prices are >= +0 and uses finite, so a zero
      // price adds +0 (what skipping it gave) and +inf costs stay +inf.
      const double* use[3];
      for (int r = 0; r < 3; ++r) use[r] = use_.data() + UseIndex(r, item, 0);
      const double* price = prices.data();
      for (int u = 0; u < n_; ++u) {
        double pen = 0;
        for (int r = 0; r < 3; ++r) pen += price[r * n_ + u] * use[r][u];
        row[u] += pen * share;
      }
    }
    for (int u = 0; u < n_; ++u) {
      if (!ok[u]) row[u] = kInf;
    }
  }
}

double Relaxation::Evaluate(const std::vector<char>& allowed, const std::vector<double>& prices,
                            RelaxedSolution* solution) {
  const int num_cnns = model_.num_cnns();
  solution->units.resize(num_cnns);
  solution->chain_cost.assign(num_cnns, kInf);
  double total = 0;
  for (int c = 0; c < num_cnns; ++c) {
    NodeCosts(c, allowed, prices, &scratch_cost_);
    const double v = dps_[c].ShortestElementary(scratch_cost_, &solution->units[c]);
    if (v == kInf) return kInf;
    solution->chain_cost[c] = v;
    total = model_.problem().objective == Objective::kSum ? total + v : std::max(total, v);
  }
  if (priced_) {
    // Each normalised constraint reads use <= 1.
    for (int k = 0; k < 3 * n_; ++k) total -= prices[k];
  }
  return total;
}

void Relaxation::Subgradient(const RelaxedSolution& s, std::vector<double>* g) const {
  g->assign(3 * n_, 0);
  for (int k = 0; k < 3 * n_; ++k) {
    if (active_[k]) (*g)[k] = -1;
  }
  for (int c = 0; c < model_.num_cnns(); ++c) {
    for (int j = 0; j < model_.num_layers(c); ++j) {
      const int u = s.units[c][j];
      const int item = model_.ItemOf(c, j);
      const double share = 1.0 / group_size_[item];
      for (int r = 0; r < 3; ++r) (*g)[r * n_ + u] += Use(r, item, u) * share;
    }
  }
}

double Relaxation::Ascend(const std::vector<char>& allowed, std::vector<double>* prices,
                          const AscentOptions& options, RelaxedSolution* best) {
  if (!priced_) std::fill(prices->begin(), prices->end(), 0.0);
  std::vector<double> best_prices = *prices;
  std::vector<double> g;
  RelaxedSolution current;
  double best_bound = -kInf;
  double theta = options.step;
  int stall = 0;
  const int iterations = priced_ ? options.iterations : 0;
  int evals = 0, last_better = 0;
  for (int it = 0;; ++it) {
    const double value = Evaluate(allowed, *prices, &current);
    ++evals;
    if (value == kInf) return kInf;  // some CNN has no chain at all: infeasible
    if (options.on_solution) options.on_solution(current);
    if (value > best_bound) {
      if (value > best_bound + 1e-12 * std::abs(value)) stall = 0;
      best_bound = value;
      last_better = evals;
      best_prices = *prices;
      *best = current;
    } else if (++stall >= 4) {
      theta *= 0.5;
      stall = 0;
    }
    if (options.cutoff && best_bound >= *options.cutoff) break;
    if (it >= iterations || theta < 1e-4) break;
    if (options.patience > 0 && evals - last_better >= options.patience) break;
    if (std::chrono::steady_clock::now() > options.deadline) break;
    Subgradient(current, &g);
    double norm2 = 0;
    for (int k = 0; k < 3 * n_; ++k) {
      if ((*prices)[k] <= 0 && g[k] < 0) g[k] = 0;
      norm2 += g[k] * g[k];
    }
    if (norm2 <= 0) break;  // the relaxed solution respects every priced constraint
    double target = options.upper_bound ? *options.upper_bound : kInf;
    if (!(target < kInf) || target <= value) {
      target = value + std::max(0.05 * std::abs(value), 1e-9);
    }
    const double step = theta * (target - value) / norm2;
    for (int k = 0; k < 3 * n_; ++k) (*prices)[k] = std::max(0.0, (*prices)[k] + step * g[k]);
  }
  *prices = best_prices;
  return best_bound;
}

void Relaxation::CostToGo(const std::vector<char>& allowed, const std::vector<double>& prices,
                          std::vector<std::vector<double>>* to_go) {
  to_go->resize(model_.num_cnns());
  for (int c = 0; c < model_.num_cnns(); ++c) {
    NodeCosts(c, allowed, prices, &scratch_cost_);
    dps_[c].CostToGo(scratch_cost_, &(*to_go)[c]);
  }
}

bool Relaxation::EnumerateChains(int cnn, const std::vector<char>& allowed,
                                 const std::vector<double>& prices, double limit, size_t max_paths,
                                 std::vector<double>* costs, std::vector<int>* units) {
  NodeCosts(cnn, allowed, prices, &scratch_cost_);
  std::vector<double> to_go;
  dps_[cnn].CostToGo(scratch_cost_, &to_go);
  return dps_[cnn].Enumerate(scratch_cost_, to_go, limit, max_paths, costs, units);
}

void Relaxation::Through(const std::vector<char>& allowed, const std::vector<double>& prices,
                         std::vector<std::vector<double>>* through) {
  through->resize(model_.num_cnns());
  for (int c = 0; c < model_.num_cnns(); ++c) {
    NodeCosts(c, allowed, prices, &scratch_cost_);
    dps_[c].Through(scratch_cost_, &(*through)[c]);
  }
}

}  // namespace distcnn::exact
