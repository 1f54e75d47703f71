#include "distcnn/placement/exact/chain_dp.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace distcnn::exact {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

ChainDp::ChainDp(const CostModel& model, int cnn, std::vector<char> forbid_repeat)
    : model_(model),
      num_units_(model.num_units()),
      num_layers_(model.num_layers(cnn)),
      forbid_repeat_(std::move(forbid_repeat)) {
  for (int j = 0; j + 1 < num_layers_; ++j) link_coef_.push_back(model.LinkCoef(cnn, j));
  forbid_repeat_.resize(num_layers_, 0);
  const int n = num_units_;
  dist_.assign(static_cast<size_t>(n) * n, 0);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) dist_[static_cast<size_t>(a) * n + b] = model.Hops(a, b);
  }
  value_.assign(static_cast<size_t>(num_layers_) * n, kInf);
  arg_.assign(static_cast<size_t>(num_layers_) * n, -1);
  active_.resize(num_layers_);
}

void ChainDp::Relax(const std::vector<int>& from, const double* in, double coef, bool no_repeat,
                    const std::vector<int>& to, double* out, int* arg) const {
  const int n = num_units_;
  for (int u : to) {
    double best = kInf;
    int best_v = -1;
    for (int v : from) {
      if (no_repeat && v == u) continue;
      const int h = dist_[static_cast<size_t>(v) * n + u];
      if (h < 0) continue;  // different components: never both eligible, but be safe
      const double c = in[v] + coef * h;
      if (c < best) {
        best = c;
        best_v = v;
      }
    }
    out[u] = best;
    arg[u] = best_v;
  }
}

double ChainDp::Shortest(const std::vector<double>& node_cost, std::vector<int>* path) {
  const int n = num_units_;
  const int m = num_layers_;
  for (int j = 0; j < m; ++j) {
    active_[j].clear();
    for (int u = 0; u < n; ++u) {
      if (node_cost[static_cast<size_t>(j) * n + u] < kInf) active_[j].push_back(u);
    }
    if (active_[j].empty()) return kInf;
  }
  double* v0 = &value_[0];
  for (int u : active_[0]) v0[u] = node_cost[u];
  for (int j = 1; j < m; ++j) {
    double* out = &value_[static_cast<size_t>(j) * n];
    int* arg = &arg_[static_cast<size_t>(j) * n];
    Relax(active_[j - 1], &value_[static_cast<size_t>(j - 1) * n], link_coef_[j - 1],
          forbid_repeat_[j - 1] != 0, active_[j], out, arg);
    std::vector<int> kept;
    for (int u : active_[j]) {
      out[u] += node_cost[static_cast<size_t>(j) * n + u];
      if (out[u] < kInf) kept.push_back(u);
    }
    if (kept.empty()) return kInf;
    active_[j] = std::move(kept);
  }
  const double* last = &value_[static_cast<size_t>(m - 1) * n];
  double best = kInf;
  int best_u = -1;
  for (int u : active_[m - 1]) {
    if (last[u] < best) {
      best = last[u];
      best_u = u;
    }
  }
  if (best_u < 0) return kInf;
  path->assign(m, -1);
  int u = best_u;
  for (int j = m - 1; j >= 0; --j) {
    (*path)[j] = u;
    if (j > 0) u = arg_[static_cast<size_t>(j) * n + u];
  }
  return best;
}

void ChainDp::CostToGo(const std::vector<double>& node_cost, std::vector<double>* to_go) {
  const int n = num_units_;
  const int m = num_layers_;
  to_go->assign(static_cast<size_t>(m) * n, kInf);
  for (int j = 0; j < m; ++j) {
    active_[j].clear();
    for (int u = 0; u < n; ++u) {
      if (node_cost[static_cast<size_t>(j) * n + u] < kInf) active_[j].push_back(u);
    }
  }
  double* out = to_go->data();
  for (int u : active_[m - 1]) out[static_cast<size_t>(m - 1) * n + u] = node_cost[(m - 1) * n + u];
  std::vector<int> scratch_arg(n);
  for (int j = m - 2; j >= 0; --j) {
    // Hop distances are symmetric, so the backward step is the same relaxation.
    Relax(active_[j + 1], out + static_cast<size_t>(j + 1) * n, link_coef_[j],
          forbid_repeat_[j] != 0, active_[j], out + static_cast<size_t>(j) * n, scratch_arg.data());
    for (int u : active_[j]) out[static_cast<size_t>(j) * n + u] += node_cost[j * n + u];
  }
}

double ChainDp::Through(const std::vector<double>& node_cost, std::vector<double>* through) {
  const int n = num_units_;
  const int m = num_layers_;
  through->assign(static_cast<size_t>(m) * n, kInf);
  const double best = Shortest(node_cost, &path_scratch_);
  if (best == kInf) return kInf;
  // After Shortest, value_ holds the forward costs of the units in active_.
  for (int j = 0; j < m; ++j) {
    for (int u : active_[j])
      (*through)[static_cast<size_t>(j) * n + u] = value_[static_cast<size_t>(j) * n + u];
  }
  std::vector<double> to_go;
  CostToGo(node_cost, &to_go);
  for (size_t k = 0; k < through->size(); ++k) {
    if ((*through)[k] < kInf) (*through)[k] += to_go[k] - node_cost[k];
  }
  return best;
}

bool ChainDp::Enumerate(const std::vector<double>& node_cost, const std::vector<double>& to_go,
                        double limit, size_t max_paths, std::vector<double>* costs,
                        std::vector<int>* units) {
  const int n = num_units_;
  const int m = num_layers_;
  std::vector<double> found_cost;
  std::vector<int> found_units;
  std::vector<int> path(m, -1);
  bool ok = true;
  // Depth-first over layers; to_go prunes every branch that cannot finish under
  // `limit`, so the work is proportional to the number of chains reported.
  auto visit = [&](auto&& self, int j, double prefix) -> void {
    if (!ok) return;
    if (j == m - 1) {
      if (found_cost.size() >= max_paths) {
        ok = false;
        return;
      }
      found_cost.push_back(prefix);
      found_units.insert(found_units.end(), path.begin(), path.end());
      return;
    }
    const int u = path[j];
    const double* next_cost = node_cost.data() + static_cast<size_t>(j + 1) * n;
    const double* next_go = to_go.data() + static_cast<size_t>(j + 1) * n;
    for (int v = 0; v < n && ok; ++v) {
      if (next_cost[v] == kInf || next_go[v] == kInf) continue;
      if (forbid_repeat_[j] && v == u) continue;
      const int h = dist_[static_cast<size_t>(u) * n + v];
      if (h < 0) continue;
      const double arc = prefix + link_coef_[j] * h;
      if (arc + next_go[v] > limit) continue;
      path[j + 1] = v;
      self(self, j + 1, arc + next_cost[v]);
    }
  };
  for (int u = 0; u < n && ok; ++u) {
    if (node_cost[u] == kInf || to_go[u] > limit) continue;
    path[0] = u;
    visit(visit, 0, node_cost[u]);
  }
  std::vector<size_t> order(found_cost.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return found_cost[a] < found_cost[b]; });
  costs->clear();
  units->clear();
  for (size_t k : order) {
    costs->push_back(found_cost[k]);
    units->insert(units->end(), found_units.begin() + static_cast<ptrdiff_t>(k * m),
                  found_units.begin() + static_cast<ptrdiff_t>((k + 1) * m));
  }
  return ok;
}

}  // namespace distcnn::exact
