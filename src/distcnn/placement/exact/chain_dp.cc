#include "distcnn/placement/exact/chain_dp.h"

#include <algorithm>
#include <limits>

namespace distcnn::exact {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// Search nodes of ShortestElementary before it falls back to Shortest().
constexpr int64_t kElementaryBudget = 20000;
// Relax() sweeps when |from| x |to| exceeds this many times V + 2E.
constexpr double kSweepFactor = 4;
// Up to this many units, the value-only passes (CostToGo, Through) relax over
// a dense per-layer table of arc costs (N^2 doubles per layer), vectorised.
constexpr int kDenseMaxUnits = 64;
}  // namespace

ChainDp::ChainDp(const CostModel& model, int cnn, std::vector<char> forbid_repeat,
                 const Capacity* capacity)
    : model_(model),
      num_units_(model.num_units()),
      num_layers_(model.num_layers(cnn)),
      forbid_repeat_(std::move(forbid_repeat)),
      capacity_(capacity) {
  for (int j = 0; j < num_layers_; ++j) item_.push_back(model.ItemOf(cnn, j));
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
  candidates_.resize(num_layers_);
  const HopGraph& graph = model.problem().system.graph;
  num_vertices_ = graph.num_vertices();
  adj_start_.push_back(0);
  for (int v = 0; v < num_vertices_; ++v) {
    for (int w : graph.Neighbours(v)) adj_.push_back(w);
    adj_start_.push_back(static_cast<int>(adj_.size()));
  }
  labels_.resize(2 * static_cast<size_t>(num_vertices_));
  label_count_.resize(num_vertices_);
  scratch_arg_.resize(n);
  dense_ = n <= kDenseMaxUnits;
  if (dense_) BuildArcCosts();
}

void ChainDp::BuildArcCosts() {
  const size_t n = num_units_;
  std::vector<size_t> unreachable;  // pairs in different components: rare
  for (size_t k = 0; k < n * n; ++k) {
    if (dist_[k] < 0) unreachable.push_back(k);
  }
  // Built for every solve, so made of plain copies and products the compiler
  // vectorises: coef * double(hops), the very product ArcCostFromHops() forms.
  arc_cost_.clear();
  arc_cost_.reserve((num_layers_ > 1 ? num_layers_ - 1 : 0) * n * n);
  for (int j = 0; j + 1 < num_layers_; ++j) {
    const size_t first = arc_cost_.size();
    arc_cost_.insert(arc_cost_.end(), dist_.begin(), dist_.end());
    double* arc = arc_cost_.data() + first;
    const double coef = link_coef_[j];
    for (size_t k = 0; k < n * n; ++k) arc[k] = coef * arc[k];
    for (size_t k : unreachable) arc[k] = kInf;
    if (forbid_repeat_[j]) {
      for (size_t u = 0; u < n; ++u) arc[u * n + u] = kInf;
    }
  }
}

void ChainDp::RelaxDense(int j, const double* in, double* out) const {
  const size_t n = num_units_;
  std::fill_n(out, n, kInf);
  const double* arc = arc_cost_.data() + static_cast<size_t>(j) * n * n;
  for (size_t v = 0; v < n; ++v) {
    const double start = in[v];
    if (start == kInf) continue;
    const double* row = arc + v * n;
    // Branch-free so that the compiler vectorises it; min is exact, so the
    // order of the sources does not matter.
    for (size_t u = 0; u < n; ++u) {
      const double c = start + row[u];
      out[u] = c < out[u] ? c : out[u];
    }
  }
}

bool ChainDp::Overloads(const std::vector<int>& path, int j, int unit) const {
  if (!capacity_) return false;
  Load load;
  for (int k = 0; k < j; ++k) {
    if (path[k] != unit) continue;
    if (item_[k] == item_[j]) return false;  // the item is there already and fits
    bool counted = false;
    for (int q = 0; q < k && !counted; ++q) counted = path[q] == unit && item_[q] == item_[k];
    if (!counted) capacity_->Add(load, item_[k]);
  }
  return !capacity_->Fits(load, item_[j], unit);
}

double ChainDp::ShortestElementary(const std::vector<double>& node_cost, std::vector<int>* path) {
  if (!capacity_) return Shortest(node_cost, path);
  const int n = num_units_;
  const int m = num_layers_;
  CostToGo(node_cost, &to_go_scratch_);
  const std::vector<double>& go = to_go_scratch_;
  double best = kInf;
  int64_t budget = kElementaryBudget;
  std::vector<int>& cur = path_scratch_;
  cur.assign(m, -1);
  auto by_bound = [](const Candidate& a, const Candidate& b) {
    return a.bound < b.bound || (a.bound == b.bound && a.unit < b.unit);
  };
  auto later = [&](const Candidate& a, const Candidate& b) { return by_bound(b, a); };
  // Places the last layer after layer m - 2 sits on cur[m - 2] with chain cost
  // `prefix`: of the extensions the general step below would queue, it would
  // pop the cheapest (ties: lowest unit) first, and that chain prunes all the
  // others, so take the minimum directly for the same one budget unit. (On the
  // last layer cost-to-go is the node cost, so bound and chain cost coincide.)
  auto finish = [&](double prefix) -> bool {
    const int j = m - 2;
    const int u = cur[j];
    const double* last_go = go.data() + static_cast<size_t>(m - 1) * n;
    double cheapest = best;
    int cheapest_unit = -1;
    for (int v = 0; v < n; ++v) {
      // A forbidden arc or an unreachable unit gives +inf, which never passes.
      const double bound = prefix + ArcCost(j, u, v) + last_go[v];
      if (bound >= cheapest || Overloads(cur, m - 1, v)) continue;
      cheapest = bound;
      cheapest_unit = v;
    }
    if (cheapest_unit < 0) return true;
    if (--budget < 0) return false;
    cur[m - 1] = cheapest_unit;
    best = cheapest;
    best_path_ = cur;
    return true;
  };
  // Expands layer j + 1 after layer j sits on cur[j] with chain cost `prefix`.
  auto visit = [&](auto&& self, int j, double prefix) -> bool {
    if (j == m - 1) {  // a one-layer chain
      if (prefix < best) {
        best = prefix;
        best_path_ = cur;
      }
      return true;
    }
    if (j == m - 2) return finish(prefix);
    std::vector<Candidate>& cands = candidates_[j + 1];
    cands.clear();
    const int u = cur[j];
    const double* next_cost = node_cost.data() + static_cast<size_t>(j + 1) * n;
    const double* next_go = go.data() + static_cast<size_t>(j + 1) * n;
    for (int v = 0; v < n; ++v) {
      const double arc = prefix + ArcCost(j, u, v);
      const double bound = arc + next_go[v];
      if (bound >= best || Overloads(cur, j + 1, v)) continue;
      cands.push_back(Candidate{bound, arc + next_cost[v], v});
    }
    // A heap, not a sort: once a chain is found most candidates are pruned unseen.
    std::make_heap(cands.begin(), cands.end(), later);
    while (!cands.empty()) {
      std::pop_heap(cands.begin(), cands.end(), later);
      const Candidate c = cands.back();
      cands.pop_back();
      if (c.bound >= best) break;
      if (--budget < 0) return false;
      cur[j + 1] = c.unit;
      if (!self(self, j + 1, c.prefix)) return false;
    }
    return true;
  };
  std::vector<Candidate>& roots = roots_;
  roots.clear();
  for (int u = 0; u < n; ++u) {
    if (go[u] < kInf) roots.push_back(Candidate{go[u], node_cost[u], u});
  }
  std::sort(roots.begin(), roots.end(), by_bound);
  bool ok = true;
  for (const Candidate& c : roots) {
    if (c.bound >= best) break;
    cur[0] = c.unit;
    if (!visit(visit, 0, c.prefix)) {
      ok = false;
      break;
    }
  }
  if (!ok) return Shortest(node_cost, path);
  if (best == kInf) return kInf;
  *path = best_path_;
  return best;
}

void ChainDp::Relax(const std::vector<int>& from, const double* in, double coef, bool no_repeat,
                    const std::vector<int>& to, double* out, int* arg) {
  const int n = num_units_;
  // The sweep touches each vertex and edge about twice, with a larger constant.
  if (static_cast<double>(from.size()) * static_cast<double>(to.size()) >
      kSweepFactor * (num_vertices_ + static_cast<double>(adj_.size()))) {
    RelaxBySweep(from, in, coef, no_repeat, to, out, arg);
    return;
  }
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

void ChainDp::RelaxBySweep(const std::vector<int>& from, const double* in, double coef,
                           bool no_repeat, const std::vector<int>& to, double* out, int* arg) {
  const int need = no_repeat ? 2 : 1;
  sources_.clear();
  for (int v : from) {
    if (in[v] < kInf) sources_.push_back(v);
  }
  std::sort(sources_.begin(), sources_.end(),
            [in](int a, int b) { return in[a] < in[b] || (in[a] == in[b] && a < b); });
  std::fill(label_count_.begin(), label_count_.end(), 0);
  fifo_.clear();
  size_t head = 0, next = 0;
  while (next < sources_.size() || head < fifo_.size()) {
    // Take the cheaper of the next source and the queue's front (source on ties).
    Pending p;
    if (head == fifo_.size() ||
        (next < sources_.size() &&
         in[sources_[next]] <= in[fifo_[head].origin] + coef * fifo_[head].hops)) {
      p = Pending{sources_[next], sources_[next], 0};
      ++next;
    } else {
      p = fifo_[head++];
    }
    int& count = label_count_[p.vertex];
    if (count >= need || (count == 1 && labels_[2 * p.vertex].origin == p.origin)) continue;
    labels_[2 * p.vertex + count] = Label{p.origin, p.hops};
    ++count;
    for (int e = adj_start_[p.vertex]; e < adj_start_[p.vertex + 1]; ++e) {
      const int w = adj_[e];
      if (label_count_[w] < need) fifo_.push_back(Pending{w, p.origin, p.hops + 1});
    }
  }
  for (int u : to) {
    const int count = label_count_[u];
    int k = 0;
    if (no_repeat && count > 0 && labels_[2 * u].origin == u) k = 1;
    if (k >= count) {
      out[u] = kInf;
      arg[u] = -1;
      continue;
    }
    const Label& l = labels_[2 * u + k];
    out[u] = in[l.origin] + coef * l.hops;
    arg[u] = l.origin;
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
  if (dense_) {
    double* out = to_go->data();
    std::copy_n(node_cost.data() + static_cast<size_t>(m - 1) * n, n,
                out + static_cast<size_t>(m - 1) * n);
    for (int j = m - 2; j >= 0; --j) {
      // Hop distances are symmetric, so the backward step is the same relaxation.
      double* row = out + static_cast<size_t>(j) * n;
      RelaxDense(j, row + n, row);
      AddNodeCosts(node_cost.data() + static_cast<size_t>(j) * n, row);
    }
    return;
  }
  for (int j = 0; j < m; ++j) {
    active_[j].clear();
    for (int u = 0; u < n; ++u) {
      if (node_cost[static_cast<size_t>(j) * n + u] < kInf) active_[j].push_back(u);
    }
  }
  double* out = to_go->data();
  for (int u : active_[m - 1]) out[static_cast<size_t>(m - 1) * n + u] = node_cost[(m - 1) * n + u];
  for (int j = m - 2; j >= 0; --j) {
    // Hop distances are symmetric, so the backward step is the same relaxation.
    Relax(active_[j + 1], out + static_cast<size_t>(j + 1) * n, link_coef_[j],
          forbid_repeat_[j] != 0, active_[j], out + static_cast<size_t>(j) * n,
          scratch_arg_.data());
    for (int u : active_[j]) out[static_cast<size_t>(j) * n + u] += node_cost[j * n + u];
  }
}

void ChainDp::AddNodeCosts(const double* cost, double* row) const {
  // +inf costs keep forbidden units at +inf.
  for (int u = 0; u < num_units_; ++u) row[u] += cost[u];
}

double ChainDp::CostFromStart(const std::vector<double>& node_cost,
                              std::vector<double>* from_start) {
  const size_t n = num_units_;
  const int m = num_layers_;
  from_start->resize(m * n);
  double* out = from_start->data();
  std::copy_n(node_cost.data(), n, out);
  for (int j = 1; j < m; ++j) {
    double* row = out + j * n;
    RelaxDense(j - 1, row - n, row);
    AddNodeCosts(node_cost.data() + j * n, row);
  }
  const double* last = out + (m - 1) * n;
  return *std::min_element(last, last + n);
}

double ChainDp::Through(const std::vector<double>& node_cost, std::vector<double>* through) {
  const int n = num_units_;
  const int m = num_layers_;
  if (dense_) {
    const double best = CostFromStart(node_cost, through);
    CostToGo(node_cost, &to_go_scratch_);
    // Where a side is +inf the sum is +inf, as in the sparse path below.
    for (size_t k = 0; k < through->size(); ++k) {
      double& t = (*through)[k];
      if (t < kInf) t += to_go_scratch_[k] - node_cost[k];
    }
    return best;
  }
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
  costs->clear();
  units->clear();
  std::vector<double>& found_cost = found_cost_;
  std::vector<int>& found_units = found_units_;
  found_cost.clear();
  found_units.clear();
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
      // The cheap test first: most extensions miss the limit.
      if (arc + next_go[v] > limit || Overloads(path, j + 1, v)) continue;
      path[j + 1] = v;
      self(self, j + 1, arc + next_cost[v]);
    }
  };
  for (int u = 0; u < n && ok; ++u) {
    if (node_cost[u] == kInf || to_go[u] > limit) continue;
    path[0] = u;
    visit(visit, 0, node_cost[u]);
  }
  if (!ok) return false;
  // Cheapest first, ties in the order found (lexicographic by units).
  std::vector<std::pair<double, size_t>>& order = order_;
  order.clear();
  for (size_t k = 0; k < found_cost.size(); ++k) order.emplace_back(found_cost[k], k);
  std::sort(order.begin(), order.end());
  costs->reserve(order.size());
  units->reserve(order.size() * m);
  for (const auto& [cost, k] : order) {
    costs->push_back(cost);
    units->insert(units->end(), found_units.begin() + static_cast<ptrdiff_t>(k * m),
                  found_units.begin() + static_cast<ptrdiff_t>((k + 1) * m));
  }
  return true;
}

}  // namespace distcnn::exact
