#include "distcnn/placement/exact/branch_and_bound.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <queue>
#include <vector>

#include "distcnn/placement/exact/capacity.h"
#include "distcnn/placement/exact/relaxation.h"
#include "distcnn/placement/slot_matching.h"

namespace distcnn::exact {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kRootIterations = 150;  // subgradient steps at the root
// Per node, warm-started from the parent. Since chains must fit the units by
// themselves, 20 steps prove the 3 x AlexNet instances (seeds 1-30) with about
// the same nodes as 60 and 40 % of the relaxations; 10 costs more nodes.
constexpr int kNodeIterations = 20;
// Stop an ascent after this many evaluations without a better bound (each one
// is a valid bound, so this only trades bound strength for time). On Table 4's
// two-CNN instances (1,200 solves) the root ascent often creeps towards the
// optimum for all 150 steps and the node ascents often never beat their first
// evaluation: 8 / 4 halve the relaxations (174k -> 93k) with about the same
// nodes (5701 -> 5757).
constexpr int kRootPatience = 8;
constexpr int kNodePatience = 4;
constexpr int kGreedyEvery = 8;      // run the greedy completion at every k-th node
constexpr int kFixingRounds = 3;     // reduced-cost fixing rounds per node
constexpr size_t kMaxChains = 1000;  // per CNN, for solving a node by enumeration
constexpr int64_t kMaxCombinationSteps = 50000;

struct Decision {
  int item;
  int unit;
  bool fix;  // true: item on unit; false: item not on unit
};

struct Node {
  double key;  // lower bound known when the node was made
  int64_t id;
  std::shared_ptr<const std::vector<char>> allowed;   // the parent's reduced domains
  std::vector<Decision> decisions;                    // applied on top of them
  std::shared_ptr<const std::vector<double>> prices;  // warm start for the ascent
};

struct Later {  // priority_queue order: smallest key first, then newest first
  bool operator()(const Node& a, const Node& b) const {
    if (a.key != b.key) return a.key > b.key;
    return a.id < b.id;
  }
};

class Search {
 public:
  Search(const CostModel& model, const SearchLimits& limits)
      : model_(model),
        limits_(limits),
        capacity_(model),
        relax_(model, capacity_),
        n_(model.num_units()),
        k_(static_cast<int>(model.items().size())),
        start_(std::chrono::steady_clock::now()) {
    base_allowed_.assign(static_cast<size_t>(k_) * n_, 0);
    for (int i = 0; i < k_; ++i) {
      for (int u = 0; u < n_; ++u)
        base_allowed_[static_cast<size_t>(i) * n_ + u] = model.ItemFits(i, u);
    }
    item_cnns_.resize(k_);
    for (int i = 0; i < k_; ++i) {
      for (const LayerRef& r : model.items()[i].layers) item_cnns_[i].push_back(r.cnn);
      std::sort(item_cnns_[i].begin(), item_cnns_[i].end());
      item_cnns_[i].erase(std::unique(item_cnns_[i].begin(), item_cnns_[i].end()),
                          item_cnns_[i].end());
    }
  }

  SearchOutcome Run();

 private:
  // Applies a node's decisions to its parent's domains, then Tighten().
  bool Propagate(const Node& node, std::vector<char>* allowed, std::vector<int>* fixed) const;
  // Fixes items left with one unit and removes units whose remaining capacity
  // cannot take an item, to a fixed point. False when some item has no unit left.
  // Until a plan is known, also false when the open items cannot all get a
  // layer slot (L) on their allowed units (Hall's condition, by matching): then
  // no bound prunes, and only this ends an infeasible subtree early. With a
  // plan, bounds prune and the matching would cost ~10 % of the solve time.
  bool Tighten(std::vector<char>* allowed, std::vector<int>* fixed) const;
  bool SlotShortageLeft(const std::vector<char>& allowed, const std::vector<int>& fixed,
                        const std::vector<Load>& load) const;
  // Removes (item, unit) pairs through which no plan can beat the cutoff, by the
  // Lagrangian reduced costs at `prices`. Returns how many were removed.
  // Solves the node outright when few chains of each CNN fit in the window the
  // reduced costs leave (cost >= lagrangian + sum of chains' priced excess), by
  // trying their combinations. False, having proven nothing, when there are too many.
  bool SolveByEnumeration(double lagrangian, const RelaxedSolution& sol,
                          const std::vector<double>& prices, const std::vector<char>& allowed);
  int FixByReducedCost(double lagrangian, const RelaxedSolution& sol,
                       const std::vector<double>& prices, std::vector<char>* allowed);
  bool Feasible(const Assignment& a) const;
  double ChainCost(const Assignment& a, int cnn) const;  // seconds, unpriced
  double Cost(const Assignment& a);                      // uses cost_totals_
  void Offer(const Assignment& a);
  // Local search from a feasible plan: move one item to another unit, or swap
  // the units of two items, while that lowers the cost (first improvement).
  void Improve(Assignment a, double cost);
  void Greedy(const std::vector<char>& allowed, const std::vector<int>& fixed,
              const std::vector<double>& prices);
  void Branch(const RelaxedSolution& sol, const std::vector<int>& fixed,
              std::vector<std::vector<Decision>>* children) const;
  void Prune(double bound) {
    if (bound < incumbent_cost_ - AbsTol()) pruned_floor_ = std::min(pruned_floor_, bound);
  }
  double AbsTol() const { return 1e-9 * std::abs(incumbent_cost_) + 1e-15; }
  void UpdateCutoff() {
    cutoff_ = incumbent_cost_ - std::max(limits_.relative_gap * incumbent_cost_, AbsTol());
  }

  const CostModel& model_;
  SearchLimits limits_;
  Capacity capacity_;
  Relaxation relax_;
  int n_;
  int k_;
  std::chrono::steady_clock::time_point start_;
  std::vector<char> base_allowed_;
  std::vector<std::vector<int>> item_cnns_;  // [item]: the CNNs its layers belong to
  double incumbent_cost_ = kInf;
  double cutoff_ = kInf;
  double pruned_floor_ = kInf;
  std::optional<Assignment> incumbent_;
  SearchOutcome out_;
  std::vector<std::vector<double>> through_;
  std::vector<double> cost_totals_;  // Cost()'s per-CNN scratch
  double lagrangian_ = 0;
  bool improving_ = false;  // Lagrangian value at the current node's prices
};

bool Search::Propagate(const Node& node, std::vector<char>* allowed,
                       std::vector<int>* fixed) const {
  *allowed = node.allowed ? *node.allowed : base_allowed_;
  for (const Decision& d : node.decisions) {
    char* row = allowed->data() + static_cast<size_t>(d.item) * n_;
    if (d.fix) {
      if (!row[d.unit]) return false;
      std::fill(row, row + n_, 0);
      row[d.unit] = 1;
    } else {
      row[d.unit] = 0;
    }
  }
  return Tighten(allowed, fixed);
}

bool Search::Tighten(std::vector<char>* allowed, std::vector<int>* fixed) const {
  fixed->assign(k_, -1);
  std::vector<Load> load(n_);
  for (bool changed = true; changed;) {
    changed = false;
    std::fill(load.begin(), load.end(), Load{});
    for (int i = 0; i < k_; ++i) {
      const char* row = allowed->data() + static_cast<size_t>(i) * n_;
      int count = 0, last = -1;
      for (int u = 0; u < n_; ++u) {
        if (row[u]) {
          ++count;
          last = u;
        }
      }
      if (count == 0) return false;
      (*fixed)[i] = count == 1 ? last : -1;
      if (count == 1) capacity_.Add(load[last], i);
    }
    for (int u = 0; u < n_; ++u) {
      if (!capacity_.Within(load[u], u)) return false;
    }
    for (int i = 0; i < k_; ++i) {
      if ((*fixed)[i] >= 0) continue;
      char* row = allowed->data() + static_cast<size_t>(i) * n_;
      for (int u = 0; u < n_; ++u) {
        if (row[u] && !capacity_.Fits(load[u], i, u)) {
          row[u] = 0;
          changed = true;
        }
      }
    }
  }
  return capacity_.layer_limit() >= k_ || incumbent_cost_ < kInf ||
         !SlotShortageLeft(*allowed, *fixed, load);
}

bool Search::SlotShortageLeft(const std::vector<char>& allowed, const std::vector<int>& fixed,
                              const std::vector<Load>& load) const {
  std::vector<int> free_slots(n_), open_items;
  for (int u = 0; u < n_; ++u) free_slots[u] = capacity_.layer_limit() - load[u].items;
  for (int i = 0; i < k_; ++i) {
    if (fixed[i] < 0) open_items.push_back(i);
  }
  return FindSlotShortage(allowed, n_, free_slots, open_items).has_value();
}

int Search::FixByReducedCost(double lagrangian, const RelaxedSolution& sol,
                             const std::vector<double>& prices, std::vector<char>* allowed) {
  relax_.Through(*allowed, prices, &through_);
  const bool sum = model_.problem().objective == Objective::kSum;
  int removed = 0;
  for (int c = 0; c < model_.num_cnns(); ++c) {
    // Any plan with layer j of c on u costs at least this much (priced).
    const double rest = sum ? lagrangian - sol.chain_cost[c] : 0;
    for (int j = 0; j < model_.num_layers(c); ++j) {
      const int item = model_.ItemOf(c, j);
      char* row = allowed->data() + static_cast<size_t>(item) * n_;
      const double* t = through_[c].data() + static_cast<size_t>(j) * n_;
      for (int u = 0; u < n_; ++u) {
        if (row[u] && rest + t[u] >= cutoff_) {
          row[u] = 0;
          ++removed;
        }
      }
    }
  }
  return removed;
}

bool Search::Feasible(const Assignment& a) const {
  std::vector<int> unit_of(k_, -1);
  for (int c = 0; c < model_.num_cnns(); ++c) {
    for (int j = 0; j < model_.num_layers(c); ++j) {
      const int item = model_.ItemOf(c, j);
      const int u = a.unit[c][j];
      if (unit_of[item] >= 0 && unit_of[item] != u) return false;
      unit_of[item] = u;
    }
  }
  std::vector<Load> load(n_);
  for (int i = 0; i < k_; ++i) {
    if (!base_allowed_[static_cast<size_t>(i) * n_ + unit_of[i]]) return false;
    capacity_.Add(load[unit_of[i]], i);
  }
  for (int u = 0; u < n_; ++u) {
    if (!capacity_.Within(load[u], u)) return false;
  }
  return true;
}

double Search::ChainCost(const Assignment& a, int c) const {
  const std::vector<int>& p = a.unit[c];
  const int m = model_.num_layers(c);
  double t = model_.SourceCoef(c) * model_.SourceHops(c, p[0]);
  for (int j = 0; j < m; ++j) {
    t += model_.ProcessingTime(c, j, p[j]) + model_.SinkCoef(c, j) * model_.SinkHops(c, p[j]);
    if (j + 1 < m) t += model_.LinkCoef(c, j) * model_.Hops(p[j], p[j + 1]);
  }
  return t;
}

double Search::Cost(const Assignment& a) {
  std::vector<double>& totals = cost_totals_;
  totals.clear();
  for (int c = 0; c < model_.num_cnns(); ++c) totals.push_back(ChainCost(a, c));
  return CombineObjective(model_.problem().objective, totals);
}

void Search::Offer(const Assignment& a) {
  // Most offers do not beat the incumbent: the cost is the cheaper test.
  const double cost = Cost(a);
  if (!(cost < incumbent_cost_) || !Feasible(a)) return;
  if (!incumbent_) {
    out_.first_plan_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  incumbent_cost_ = cost;
  incumbent_ = a;
  UpdateCutoff();
  if (!improving_) Improve(a, cost);
}

void Search::Improve(Assignment a, double cost) {
  improving_ = true;
  std::vector<int> unit_of(k_);
  for (int i = 0; i < k_; ++i) {
    const LayerRef& r = model_.items()[i].layers[0];
    unit_of[i] = a.unit[r.cnn][r.layer];
  }
  std::vector<Load> load(n_);
  for (int i = 0; i < k_; ++i) capacity_.Add(load[unit_of[i]], i);
  // Per-CNN costs kept up to date, so that a move re-prices only the chains it
  // touches; the sum is formed exactly as Cost() forms it.
  std::vector<double> totals;
  for (int c = 0; c < model_.num_cnns(); ++c) totals.push_back(ChainCost(a, c));
  auto move = [&](int item, int u) {
    for (const LayerRef& r : model_.items()[item].layers) a.unit[r.cnn][r.layer] = u;
    unit_of[item] = u;
    for (int c : item_cnns_[item]) totals[c] = ChainCost(a, c);
  };
  auto fits = [&](int item, int u) {
    return base_allowed_[static_cast<size_t>(item) * n_ + u] != 0;
  };
  const Objective objective = model_.problem().objective;
  auto remove = [&](Load& l, int item) {
    l.items -= 1;
    l.memory_bytes -= capacity_.item_memory(item);
    l.mults -= capacity_.item_mults(item);
  };
  for (bool improved = true; improved;) {
    improved = false;
    for (int i = 0; i < k_; ++i) {
      const int from = unit_of[i];
      for (int u = 0; u < n_; ++u) {
        if (u == from || !fits(i, u) || !capacity_.Fits(load[u], i, u)) continue;
        move(i, u);
        const double c = CombineObjective(objective, totals);
        if (c < cost - AbsTol()) {
          cost = c;
          remove(load[from], i);
          capacity_.Add(load[u], i);
          improved = true;
          break;
        }
        move(i, from);
      }
    }
    for (int i = 0; i < k_; ++i) {
      for (int k = i + 1; k < k_; ++k) {
        const int ui = unit_of[i], uk = unit_of[k];
        if (ui == uk || !fits(i, uk) || !fits(k, ui)) continue;
        Load li = load[ui], lk = load[uk];
        remove(li, i);
        remove(lk, k);
        if (!capacity_.Fits(li, k, ui) || !capacity_.Fits(lk, i, uk)) continue;
        move(i, uk);
        move(k, ui);
        const double c = CombineObjective(objective, totals);
        if (c < cost - AbsTol()) {
          cost = c;
          capacity_.Add(li, k);
          capacity_.Add(lk, i);
          load[ui] = li;
          load[uk] = lk;
          improved = true;
        } else {
          move(i, ui);
          move(k, uk);
        }
      }
    }
  }
  Offer(a);
  improving_ = false;
}

void Search::Greedy(const std::vector<char>& allowed, const std::vector<int>& fixed,
                    const std::vector<double>& prices) {
  std::vector<std::vector<double>> to_go;
  relax_.CostToGo(allowed, prices, &to_go);
  std::vector<int> placed = fixed;
  std::vector<Load> load(n_);
  for (int i = 0; i < k_; ++i) {
    if (placed[i] >= 0) capacity_.Add(load[placed[i]], i);
  }
  Assignment a;
  for (int c = 0; c < model_.num_cnns(); ++c) {
    const int m = model_.num_layers(c);
    a.unit.emplace_back(m, -1);
    int prev = -1;
    for (int j = 0; j < m; ++j) {
      const int item = model_.ItemOf(c, j);
      int u = placed[item];
      if (u < 0) {
        double best = kInf;
        const double* go = to_go[c].data() + static_cast<size_t>(j) * n_;
        const char* ok = allowed.data() + static_cast<size_t>(item) * n_;
        for (int v = 0; v < n_; ++v) {
          if (!ok[v] || go[v] == kInf || !capacity_.Fits(load[v], item, v)) continue;
          const double score =
              go[v] + (j > 0 ? model_.LinkCoef(c, j - 1) * model_.Hops(prev, v) : 0);
          if (score < best) {
            best = score;
            u = v;
          }
        }
        if (u < 0) return;
        placed[item] = u;
        capacity_.Add(load[u], item);
      }
      a.unit[c][j] = u;
      prev = u;
    }
  }
  Offer(a);
}

void Search::Branch(const RelaxedSolution& sol, const std::vector<int>& fixed,
                    std::vector<std::vector<Decision>>* children) const {
  children->clear();
  // Units chosen for each item; a group split across units is branched on first.
  std::vector<int> unit_of(k_, -1);
  for (int c = 0; c < model_.num_cnns(); ++c) {
    for (int j = 0; j < model_.num_layers(c); ++j) {
      const int item = model_.ItemOf(c, j);
      const int u = sol.units[c][j];
      if (unit_of[item] < 0) {
        unit_of[item] = u;
      } else if (unit_of[item] != u && children->empty()) {
        children->push_back({Decision{item, unit_of[item], false}});
        children->push_back({Decision{item, unit_of[item], true}});
      }
    }
  }
  if (!children->empty()) return;
  // The most overloaded unit: any feasible plan moves one of a minimal overloading
  // set T away. Child i keeps T_0..T_{i-1} on the unit and moves T_i away.
  std::vector<Load> load(n_);
  for (int i = 0; i < k_; ++i) capacity_.Add(load[unit_of[i]], i);
  int worst = -1;
  double worst_excess = 0;
  for (int u = 0; u < n_; ++u) {
    if (capacity_.Within(load[u], u)) continue;
    double excess = static_cast<double>(load[u].items) / capacity_.layer_limit();
    excess = std::max(excess, static_cast<double>(load[u].memory_bytes) /
                                  std::max<double>(1.0, static_cast<double>(capacity_.memory(u))));
    if (std::isfinite(capacity_.max_mults(u)) && capacity_.max_mults(u) > 0) {
      excess = std::max(excess, load[u].mults / capacity_.max_mults(u));
    }
    if (worst < 0 || excess > worst_excess) {
      worst = u;
      worst_excess = excess;
    }
  }
  if (worst >= 0) {
    Load kept;
    for (int i = 0; i < k_; ++i) {
      if (fixed[i] == worst) capacity_.Add(kept, i);
    }
    std::vector<int> set;
    for (int i = 0; i < k_ && capacity_.Within(kept, worst); ++i) {
      if (unit_of[i] != worst || fixed[i] == worst) continue;
      set.push_back(i);
      capacity_.Add(kept, i);
    }
    for (size_t t = 0; t < set.size(); ++t) {
      std::vector<Decision> child;
      for (size_t s = 0; s < t; ++s) child.push_back(Decision{set[s], worst, true});
      child.push_back(Decision{set[t], worst, false});
      children->push_back(std::move(child));
    }
    return;
  }
  // The relaxed plan is feasible but its bound is not tight: split on an item.
  for (int i = 0; i < k_; ++i) {
    if (fixed[i] >= 0) continue;
    children->push_back({Decision{i, unit_of[i], false}});
    children->push_back({Decision{i, unit_of[i], true}});
    return;
  }
}

bool Search::SolveByEnumeration(double lagrangian, const RelaxedSolution& sol,
                                const std::vector<double>& prices,
                                const std::vector<char>& allowed) {
  const int num_cnns = model_.num_cnns();
  const bool sum = model_.problem().objective == Objective::kSum;
  std::vector<std::vector<double>> costs(num_cnns);
  std::vector<std::vector<int>> units(num_cnns);
  for (int c = 0; c < num_cnns; ++c) {
    // Under max the prices are zero and a chain must itself beat the cutoff.
    double limit = sum ? sol.chain_cost[c] + (cutoff_ - lagrangian) : cutoff_;
    limit += 1e-12 * std::abs(limit);
    const bool complete =
        relax_.EnumerateChains(c, allowed, prices, limit, kMaxChains, &costs[c], &units[c]);
    if (!complete) return false;
    if (costs[c].empty()) return true;  // nothing here can beat the incumbent
  }
  std::vector<int> order(num_cnns);
  for (int c = 0; c < num_cnns; ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return costs[a].size() < costs[b].size(); });
  std::vector<int> unit_of(k_, -1);
  std::vector<Load> load(n_);
  std::vector<int> chosen(num_cnns, -1);
  std::vector<int> placed;
  int64_t steps = 0;
  bool aborted = false;
  Assignment combination;  // reused: most combinations are offered and dropped
  combination.unit.resize(num_cnns);
  auto visit = [&](auto&& self, int depth, double partial) -> void {
    if (depth == num_cnns) {
      for (int c = 0; c < num_cnns; ++c) {
        const int m = model_.num_layers(c);
        combination.unit[c].assign(units[c].begin() + static_cast<ptrdiff_t>(chosen[c]) * m,
                                   units[c].begin() + static_cast<ptrdiff_t>(chosen[c] + 1) * m);
      }
      Offer(combination);
      return;
    }
    const int c = order[depth];
    const int m = model_.num_layers(c);
    for (size_t p = 0; p < costs[c].size() && !aborted; ++p) {
      if (++steps > kMaxCombinationSteps) {
        aborted = true;
        return;
      }
      const double value =
          sum ? partial + (costs[c][p] - sol.chain_cost[c]) : std::max(partial, costs[c][p]);
      if ((sum ? lagrangian + value : value) >= cutoff_) break;  // chains are sorted by cost
      const size_t mark = placed.size();
      bool ok = true;
      for (int j = 0; j < m && ok; ++j) {
        const int item = model_.ItemOf(c, j);
        const int u = units[c][p * m + j];
        if (unit_of[item] >= 0) {
          ok = unit_of[item] == u;
        } else if (capacity_.Fits(load[u], item, u)) {
          unit_of[item] = u;
          capacity_.Add(load[u], item);
          placed.push_back(item);
        } else {
          ok = false;
        }
      }
      if (ok) {
        chosen[c] = static_cast<int>(p);
        self(self, depth + 1, value);
      }
      while (placed.size() > mark) {
        const int item = placed.back();
        placed.pop_back();
        Load& l = load[unit_of[item]];
        l.items -= 1;
        l.memory_bytes -= capacity_.item_memory(item);
        l.mults -= capacity_.item_mults(item);
        unit_of[item] = -1;
      }
    }
  };
  visit(visit, 0, 0.0);
  return !aborted;
}

SearchOutcome Search::Run() {
  std::priority_queue<Node, std::vector<Node>, Later> open;
  int64_t next_id = 0;
  open.push(Node{0.0,
                 next_id++,
                 nullptr,
                 {},
                 std::make_shared<const std::vector<double>>(relax_.num_prices(), 0.0)});
  std::vector<char> allowed;
  std::vector<int> fixed;
  RelaxedSolution sol;
  Assignment harvested;
  AscentOptions ascent;
  ascent.cutoff = &cutoff_;
  ascent.upper_bound = &incumbent_cost_;
  ascent.deadline = limits_.deadline;
  ascent.on_solution = [&](const RelaxedSolution& s) {
    ++out_.relaxations;
    harvested.unit = s.units;
    Offer(harvested);
  };
  std::vector<std::vector<Decision>> children;
  bool timed_out = false;
  const auto report_every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(limits_.progress_interval_s));
  auto next_report = start_ + report_every;
  while (!open.empty()) {
    const auto now = std::chrono::steady_clock::now();
    if (now > limits_.deadline) {
      timed_out = true;
      break;
    }
    if (limits_.progress && now >= next_report) {
      next_report = now + report_every;
      SolveProgress p;
      p.elapsed_s = std::chrono::duration<double>(now - start_).count();
      p.nodes = out_.nodes;
      p.best_s = incumbent_cost_;
      // Best first: no open node is below the top, nor any pruned one below the floor.
      const double bound = std::min({incumbent_cost_, pruned_floor_, open.top().key});
      p.bound_s = std::isfinite(bound) ? std::max(0.0, bound) : 0.0;
      p.open_nodes = static_cast<int64_t>(open.size());
      limits_.progress(p);
    }
    Node node = open.top();
    open.pop();
    if (node.key >= cutoff_) {
      Prune(node.key);
      continue;
    }
    if (!Propagate(node, &allowed, &fixed)) continue;
    ++out_.nodes;
    const bool root = node.id == 0;
    std::vector<double> prices = *node.prices;
    double bound = node.key;
    bool done = false;
    for (int round = 0; !done; ++round) {
      if (std::all_of(fixed.begin(), fixed.end(), [](int u) { return u >= 0; })) {
        Assignment a;
        for (int c = 0; c < model_.num_cnns(); ++c) {
          a.unit.emplace_back(model_.num_layers(c));
          for (int j = 0; j < model_.num_layers(c); ++j) a.unit[c][j] = fixed[model_.ItemOf(c, j)];
        }
        Offer(a);
        done = true;
        break;
      }
      ascent.iterations = root && round == 0 ? kRootIterations : kNodeIterations;
      ascent.step = root && round == 0 ? 1.0 : 0.5;
      ascent.patience = root && round == 0 ? kRootPatience : kNodePatience;
      const double lagrangian = relax_.Ascend(allowed, &prices, ascent, &sol);
      lagrangian_ = lagrangian;
      if (lagrangian == kInf) {  // some CNN has no chain: infeasible subtree
        done = true;
        break;
      }
      bound = std::max(bound, lagrangian);
      if (root && round == 0) out_.root_bound_s = bound;
      if (bound >= cutoff_) {
        Prune(bound);
        done = true;
        break;
      }
      if (round >= kFixingRounds || incumbent_cost_ == kInf) break;
      const int removed = FixByReducedCost(lagrangian, sol, prices, &allowed);
      if (removed == 0) break;
      Prune(cutoff_);  // the removed plans cost at least the cutoff
      if (!Tighten(&allowed, &fixed)) {
        done = true;
        break;
      }
    }
    if (done) continue;
    if (root || out_.nodes % kGreedyEvery == 0) Greedy(allowed, fixed, prices);
    if (incumbent_ && bound < cutoff_ && SolveByEnumeration(lagrangian_, sol, prices, allowed)) {
      ++out_.enumerated;
      Prune(std::max(bound, std::min(cutoff_, incumbent_cost_)));
      continue;
    }
    if (bound >= cutoff_) {
      Prune(bound);
      continue;
    }
    if (std::chrono::steady_clock::now() > limits_.deadline) {
      open.push(Node{
          bound, next_id++, std::make_shared<const std::vector<char>>(allowed), {}, node.prices});
      timed_out = true;
      break;
    }
    Branch(sol, fixed, &children);
    if (children.empty()) continue;  // cannot happen: every item fixed was handled above
    auto shared_prices = std::make_shared<const std::vector<double>>(std::move(prices));
    auto shared_allowed = std::make_shared<const std::vector<char>>(allowed);
    // Push in reverse so that the first child is explored first among equals.
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      open.push(Node{bound, next_id++, shared_allowed, std::move(*it), shared_prices});
    }
  }
  out_.complete = !timed_out;
  out_.plan = incumbent_;
  out_.cost_s = incumbent_cost_;
  double final_bound = std::min(incumbent_cost_, pruned_floor_);
  if (timed_out && !open.empty()) final_bound = std::min(final_bound, open.top().key);
  out_.bound_s = final_bound == kInf ? 0 : std::max(0.0, final_bound);
  return out_;
}

}  // namespace

SearchOutcome RunBranchAndBound(const CostModel& model, const SearchLimits& limits) {
  Search search(model, limits);
  return search.Run();
}

}  // namespace distcnn::exact
