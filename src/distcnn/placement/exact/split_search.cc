#include "distcnn/placement/exact/split_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <set>

#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/layer_options.h"

namespace distcnn::exact {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
using Clock = std::chrono::steady_clock;

// Beyond this many options a node's relaxation is too slow to search.
constexpr int64_t kMaxOptions = 4'000'000;

// One branching decision on the options that start at layer (cnn, layer).
enum class Rule {
  kOnlyUsing,   // options that put something on unit `value`
  kNotUsing,    // options that put nothing on unit `value`
  kOnly,        // option `value` alone
  kNot,         // every option but `value`
  kStartsHere,  // no option of an earlier layer spans `layer`: one starts there
};

struct Restriction {
  Rule rule;
  int cnn;
  int layer;
  int value;
};

struct Node {
  double bound = 0;
  int64_t id = 0;
  std::vector<Restriction> restrictions;
  std::vector<double> prices;  // the parent's Lagrange multipliers, a warm start
};

// Best bound first; among equal bounds the newest (which dives).
struct WorseNode {
  bool operator()(const Node& a, const Node& b) const {
    return a.bound != b.bound ? a.bound > b.bound : a.id < b.id;
  }
};

bool Uses(const LayerOption& o, int unit) {
  return std::any_of(o.uses.begin(), o.uses.end(),
                     [&](const UnitUse& u) { return u.unit == unit; });
}

class Search {
 public:
  Search(const CostModel& model, const SearchLimits& limits)
      : model_(model), problem_(model.problem()), limits_(limits), start_(Clock::now()) {}

  SplitOutcome Run() {
    SplitOutcome out;
    const int num_cnns = model_.num_cnns();
    options_.resize(num_cnns);
    for (int c = 0; c < num_cnns; ++c) {
      const int m = model_.num_layers(c);
      for (int j = 0; j < m; ++j) {
        options_[c].push_back(LayerOptions(model_, c, j, InSharedGroup(problem_, c, j), true));
        out.options += static_cast<int64_t>(options_[c][j].size());
        if (out.options > kMaxOptions) {
          out.note = "more than " + std::to_string(kMaxOptions) +
                     " layer options; lower max_parts or granules";
          return out;
        }
      }
    }
    for (int u = 0; u < model_.num_units(); ++u) {
      const DeviceType& t = problem_.system.units[u].type;
      const double limits[3] = {
          problem_.max_layers_per_unit > 0 ? static_cast<double>(problem_.max_layers_per_unit)
                                           : 0.0,
          static_cast<double>(t.memory_bytes), std::isfinite(t.max_mults) ? t.max_mults : 0.0};
      for (double limit : limits) {
        inv_limit_.push_back(limit > 0 ? 1 / limit : 0.0);
        any_limit_ = any_limit_ || limit > 0;
      }
    }
    priced_layer_.resize(num_cnns);
    for (int c = 0; c < num_cnns; ++c) {
      for (int j = 0; j < model_.num_layers(c); ++j) {
        bool priced = true;
        for (const auto& group : problem_.shared) {
          for (size_t k = 1; k < group.size(); ++k) {
            if (group[k] == LayerRef{c, j}) priced = false;
          }
        }
        priced_layer_[c].push_back(priced ? 1 : 0);
      }
    }
    std::priority_queue<Node, std::vector<Node>, WorseNode> open;
    open.push(Node{0, next_id_++, {}, {}});
    Clock::time_point last_progress = start_;
    bool stopped = false;
    while (!open.empty()) {
      if (Clock::now() > limits_.deadline) {
        stopped = true;
        break;
      }
      if (incumbent_ < kInf &&
          open.top().bound >= incumbent_ * (1 - limits_.relative_gap) - 1e-15) {
        break;  // nothing left can beat the incumbent by more than the gap
      }
      Node node = open.top();
      open.pop();
      ++out.nodes;
      Expand(node, open);
      if (out.nodes == 1) out.root_bound_s = root_bound_;
      if (limits_.progress && std::chrono::duration<double>(Clock::now() - last_progress).count() >=
                                  limits_.progress_interval_s) {
        last_progress = Clock::now();
        SolveProgress p;
        p.elapsed_s = std::chrono::duration<double>(last_progress - start_).count();
        p.nodes = out.nodes;
        p.best_s = incumbent_;
        p.bound_s = open.empty() ? incumbent_ : std::min(incumbent_, open.top().bound);
        p.open_nodes = static_cast<int64_t>(open.size());
        limits_.progress(p);
      }
    }
    out.complete = !stopped;
    if (incumbent_ < kInf) {
      out.plan = best_;
      out.cost_s = incumbent_;
    }
    // Open nodes hold the bound; an empty tree leaves the incumbent (or, with
    // none, a proof of infeasibility: 0 stands in).
    const double incumbent_or_zero = incumbent_ < kInf ? incumbent_ : 0;
    out.bound_s = open.empty() ? incumbent_or_zero : std::min(incumbent_or_zero, open.top().bound);
    if (incumbent_ >= kInf && !open.empty()) out.bound_s = open.top().bound;
    out.first_plan_s = first_plan_s_;
    return out;
  }

 private:
  // allowed[c][j][o]: option o of layer j may start there at this node.
  using Allowed = std::vector<std::vector<std::vector<char>>>;

  Allowed AllowedAt(const Node& node) const {
    Allowed allowed(options_.size());
    for (size_t c = 0; c < options_.size(); ++c) {
      for (const auto& layer : options_[c]) allowed[c].emplace_back(layer.size(), 1);
    }
    for (const Restriction& r : node.restrictions) {
      std::vector<char>& a = allowed[r.cnn][r.layer];
      const auto& opts = options_[r.cnn][r.layer];
      for (size_t o = 0; o < opts.size(); ++o) {
        switch (r.rule) {
          case Rule::kOnlyUsing:
            a[o] = a[o] && Uses(opts[o], r.value);
            break;
          case Rule::kNotUsing:
            a[o] = a[o] && !Uses(opts[o], r.value);
            break;
          case Rule::kOnly:
            a[o] = a[o] && static_cast<int>(o) == r.value;
            break;
          case Rule::kNot:
            a[o] = a[o] && static_cast<int>(o) != r.value;
            break;
          case Rule::kStartsHere:
            break;
        }
      }
      if (r.rule == Rule::kStartsHere) {
        for (int k = 0; k < r.layer; ++k) {
          std::vector<char>& before = allowed[r.cnn][k];
          const auto& prev = options_[r.cnn][k];
          for (size_t o = 0; o < prev.size(); ++o) {
            before[o] = before[o] && k + prev[o].span() <= r.layer;
          }
        }
      }
    }
    return allowed;
  }

  // A necessary condition: the layers bound to a unit by kOnlyUsing or kOnly
  // (each must start at its layer, kStartsHere) fit it with their smallest
  // use. A shared group's whole layers count once.
  bool CommittedFit(const Node& node, const Allowed& allowed) const {
    std::map<int, std::set<std::pair<int, int>>> committed;  // unit -> layers
    for (const Restriction& r : node.restrictions) {
      if (r.rule == Rule::kOnlyUsing) committed[r.value].insert({r.cnn, r.layer});
      if (r.rule == Rule::kOnly) {
        for (const UnitUse& u : options_[r.cnn][r.layer][r.value].uses) {
          committed[u.unit].insert({r.cnn, r.layer});
        }
      }
    }
    for (const auto& [unit, layers] : committed) {
      UnitUsage least;
      std::set<int> shared_items;
      for (const auto& [c, j] : layers) {
        if (InSharedGroup(problem_, c, j) && !shared_items.insert(model_.ItemOf(c, j)).second) {
          continue;
        }
        int items = std::numeric_limits<int>::max();
        int64_t memory = std::numeric_limits<int64_t>::max();
        double mults = kInf;
        const auto& opts = options_[c][j];
        for (size_t o = 0; o < opts.size(); ++o) {
          if (!allowed[c][j][o]) continue;
          UnitUse use;
          for (const UnitUse& u : opts[o].uses) {
            if (u.unit == unit) use = u;
          }
          items = std::min(items, use.items);
          memory = std::min(memory, use.memory_bytes);
          mults = std::min(mults, use.mults);
        }
        if (items == std::numeric_limits<int>::max()) return false;  // no option left
        least.items += items;
        least.memory_bytes += memory;
        least.mults += mults;
      }
      if (model_.ExceededLimitsOn(unit, least) != 0) return false;
    }
    return true;
  }

  // The cheapest chain of options of `c` (limits ignored): fills chosen[j]
  // with the option starting at layer j (-1 for the second layer of a pair).
  double Chain(int c, const Allowed& allowed, std::vector<int>* chosen,
               const std::vector<double>& prices = {}) const {
    const IoTSystem& sys = problem_.system;
    const int m = model_.num_layers(c);
    const int nv = sys.graph.num_vertices();
    struct Arg {
      int layer = -1;
      int option = -1;
      int from = -1;
    };
    std::vector<std::vector<double>> best(m + 1, std::vector<double>(nv, kInf));
    std::vector<std::vector<Arg>> arg(m + 1, std::vector<Arg>(nv));
    best[0][sys.sources[problem_.cnns[c].source].vertex] = 0;
    std::vector<int> from;
    for (int j = 0; j < m; ++j) {
      from.clear();
      for (int v = 0; v < nv; ++v) {
        if (best[j][v] < kInf) from.push_back(v);
      }
      if (from.empty()) continue;
      const auto& opts = options_[c][j];
      for (size_t o = 0; o < opts.size(); ++o) {
        if (!allowed[c][j][o] || j + opts[o].span() > m) continue;
        double in = kInf;
        int in_from = -1;
        for (int v : from) {
          const double t = best[j][v] + InputSeconds(model_, opts[o], v);
          if (t < in) {
            in = t;
            in_from = v;
          }
        }
        const double total = in + opts[o].fixed_s + PriceOf(c, j, opts[o], prices);
        const int k = j + opts[o].span();
        const int w = opts[o].output_unit;
        if (total < best[k][w]) {
          best[k][w] = total;
          arg[k][w] = Arg{j, static_cast<int>(o), in_from};
        }
      }
    }
    int end = -1;
    for (int v = 0; v < nv; ++v) {
      if (best[m][v] < kInf && (end < 0 || best[m][v] < best[m][end])) end = v;
    }
    if (end < 0) return kInf;
    chosen->assign(m, -1);
    for (int k = m, v = end; k > 0;) {
      const Arg& a = arg[k][v];
      (*chosen)[a.layer] = a.option;
      k = a.layer;
      v = a.from;
    }
    return best[m][end];
  }

  // A plan built layer by layer, each taking the cheapest allowed option that
  // still fits the units (a shared group on the unit its first layer took):
  // an incumbent early, so that the bound can prune. Myopic; may find none.
  void Greedy(const Allowed& allowed) {
    const int num_cnns = model_.num_cnns();
    std::vector<UnitUsage> usage(model_.num_units());
    std::map<int, int> shared_unit;  // shared item -> its unit
    std::vector<double> costs;
    std::vector<std::vector<Placement>> plan(num_cnns);
    for (int c = 0; c < num_cnns; ++c) {
      const int m = model_.num_layers(c);
      int at = problem_.system.sources[problem_.cnns[c].source].vertex;
      double cost = 0;
      for (int j = 0; j < m;) {
        const bool shared = InSharedGroup(problem_, c, j);
        const int item = model_.ItemOf(c, j);
        const auto& opts = options_[c][j];
        int pick = -1;
        double pick_cost = kInf;
        for (size_t o = 0; o < opts.size(); ++o) {
          if (!allowed[c][j][o] || j + opts[o].span() > m) continue;
          const bool placed = shared && shared_unit.count(item);
          if (placed && opts[o].output_unit != shared_unit[item]) continue;
          bool fits = true;
          for (const UnitUse& u : placed ? std::vector<UnitUse>{} : opts[o].uses) {
            UnitUsage after = usage[u.unit];
            after.items += u.items;
            after.memory_bytes += u.memory_bytes;
            after.mults += u.mults;
            fits = fits && model_.ExceededLimitsOn(u.unit, after) == 0;
          }
          if (!fits) continue;
          const double t = InputSeconds(model_, opts[o], at) + opts[o].fixed_s;
          if (t < pick_cost) {
            pick_cost = t;
            pick = static_cast<int>(o);
          }
        }
        if (pick < 0) return;
        const LayerOption& o = opts[pick];
        if (!(shared && shared_unit.count(item))) {
          for (const UnitUse& u : o.uses) {
            usage[u.unit].items += u.items;
            usage[u.unit].memory_bytes += u.memory_bytes;
            usage[u.unit].mults += u.mults;
          }
          if (shared) shared_unit[item] = o.output_unit;
        }
        for (const Placement& p : o.placements) plan[c].push_back(p);
        cost += pick_cost;
        at = o.output_unit;
        j += o.span();
      }
      costs.push_back(cost);
    }
    const double value = CombineObjective(problem_.objective, costs);
    if (value < incumbent_) Improve(value, std::move(plan));
  }

  // A second greedy plan, for when the first runs out of room: the layers with
  // the most weights choose first (cheapest fixed cost that still fits, one
  // layer per option), then each CNN's chain through the chosen options is
  // priced exactly.
  void GreedyHeaviestFirst(const Allowed& allowed) {
    std::vector<std::pair<int64_t, LayerRef>> order;
    for (int c = 0; c < model_.num_cnns(); ++c) {
      for (int j = 0; j < model_.num_layers(c); ++j) {
        order.push_back({-problem_.cnns[c].layers[j].memory_bytes, LayerRef{c, j}});
      }
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<UnitUsage> usage(model_.num_units());
    std::map<int, int> shared_unit;  // shared item -> its unit
    Allowed only = allowed;
    for (const auto& [weight, r] : order) {
      const auto& opts = options_[r.cnn][r.layer];
      const bool shared = InSharedGroup(problem_, r.cnn, r.layer);
      const int item = model_.ItemOf(r.cnn, r.layer);
      const bool placed = shared && shared_unit.count(item);
      int pick = -1;
      for (size_t o = 0; o < opts.size(); ++o) {
        if (!allowed[r.cnn][r.layer][o] || opts[o].span() != 1) continue;
        if (placed && opts[o].output_unit != shared_unit[item]) continue;
        if (pick >= 0 && opts[o].fixed_s >= opts[pick].fixed_s) continue;
        bool fits = true;
        for (const UnitUse& u : placed ? std::vector<UnitUse>{} : opts[o].uses) {
          const UnitUsage after{usage[u.unit].items + u.items,
                                usage[u.unit].memory_bytes + u.memory_bytes,
                                usage[u.unit].mults + u.mults};
          fits = fits && model_.ExceededLimitsOn(u.unit, after) == 0;
        }
        if (fits) pick = static_cast<int>(o);
      }
      if (pick < 0) return;
      if (!placed) {
        for (const UnitUse& u : opts[pick].uses) {
          usage[u.unit].items += u.items;
          usage[u.unit].memory_bytes += u.memory_bytes;
          usage[u.unit].mults += u.mults;
        }
        if (shared) shared_unit[item] = opts[pick].output_unit;
      }
      std::vector<char>& a = only[r.cnn][r.layer];
      std::fill(a.begin(), a.end(), 0);
      a[pick] = 1;
    }
    std::vector<double> costs;
    std::vector<std::vector<Placement>> plan(model_.num_cnns());
    for (int c = 0; c < model_.num_cnns(); ++c) {
      std::vector<int> chosen;
      const double cost = Chain(c, only, &chosen);
      if (!(cost < kInf)) return;
      costs.push_back(cost);
      for (int j = 0; j < model_.num_layers(c); ++j) {
        if (chosen[j] < 0) continue;
        for (const Placement& p : options_[c][j][chosen[j]].placements) plan[c].push_back(p);
      }
    }
    const double value = CombineObjective(problem_.objective, costs);
    if (value < incumbent_) Improve(value, std::move(plan));
  }

  void Improve(double value, std::vector<std::vector<Placement>> plan) {
    incumbent_ = value;
    if (first_plan_s_ < 0) {
      first_plan_s_ = std::chrono::duration<double>(Clock::now() - start_).count();
    }
    best_ = std::move(plan);
  }

  // Capacity propagation: a layer that surely starts at j (no fused pair
  // may cover it) puts at least its smallest use on each unit; an option that
  // cannot fit next to the other such layers' smallest uses is removed, until
  // nothing changes. False when a layer that must start has no option left.
  bool Propagate(Allowed& allowed) const {
    const int num_units = model_.num_units();
    for (int pass = 0; pass < 8; ++pass) {
      std::vector<UnitUsage> forced(num_units);
      // least[(c, j)][u]: the layer's smallest use of u among its options.
      std::map<std::pair<int, int>, std::vector<UnitUsage>> least;
      for (int c = 0; c < model_.num_cnns(); ++c) {
        for (int j = 0; j < model_.num_layers(c); ++j) {
          if (!SureStart(allowed, c, j) || !priced_layer_[c][j]) continue;
          // A unit's smallest use is 0 unless every allowed option uses it.
          const auto& opts = options_[c][j];
          std::vector<UnitUsage> low(num_units);
          std::vector<int> users(num_units, 0);
          int count = 0;
          for (size_t o = 0; o < opts.size(); ++o) {
            if (!allowed[c][j][o]) continue;
            ++count;
            for (const UnitUse& u : opts[o].uses) {
              UnitUsage& l = low[u.unit];
              l = users[u.unit]++ == 0 ? UnitUsage{u.items, u.memory_bytes, u.mults}
                                       : UnitUsage{std::min(l.items, u.items),
                                                   std::min(l.memory_bytes, u.memory_bytes),
                                                   std::min(l.mults, u.mults)};
            }
          }
          for (int u = 0; u < num_units; ++u) {
            if (users[u] < count) low[u] = UnitUsage{};
          }
          const bool any = count > 0;
          if (!any) return false;
          for (int u = 0; u < num_units; ++u) {
            forced[u].items += low[u].items;
            forced[u].memory_bytes += low[u].memory_bytes;
            forced[u].mults += low[u].mults;
          }
          least[{c, j}] = std::move(low);
        }
      }
      bool changed = false;
      for (auto& [layer, low] : least) {
        const auto& opts = options_[layer.first][layer.second];
        std::vector<char>& a = allowed[layer.first][layer.second];
        for (size_t o = 0; o < opts.size(); ++o) {
          if (!a[o]) continue;
          for (const UnitUse& u : opts[o].uses) {
            const UnitUsage with{
                forced[u.unit].items - low[u.unit].items + u.items,
                forced[u.unit].memory_bytes - low[u.unit].memory_bytes + u.memory_bytes,
                forced[u.unit].mults - low[u.unit].mults + u.mults};
            if (model_.ExceededLimitsOn(u.unit, with) != 0) {
              a[o] = 0;
              changed = true;
              break;
            }
          }
        }
        if (std::count(a.begin(), a.end(), 1) == 0) return false;
      }
      if (!changed) break;
    }
    return true;
  }

  // True when an option must start at layer j: no allowed option of an
  // earlier layer spans it.
  bool SureStart(const Allowed& allowed, int c, int j) const {
    for (int k = 0; k < j; ++k) {
      const auto& prev = options_[c][k];
      for (size_t o = 0; o < prev.size(); ++o) {
        if (allowed[c][k][o] && k + prev[o].span() > j) return false;
      }
    }
    return true;
  }

  void Expand(const Node& node, std::priority_queue<Node, std::vector<Node>, WorseNode>& open) {
    Allowed allowed = AllowedAt(node);
    if (!CommittedFit(node, allowed) || !Propagate(allowed)) return;
    // The plain chains (no prices): when they make a plan, it is the best one
    // under this node.
    {
      std::vector<std::vector<int>> plain(model_.num_cnns());
      std::vector<double> costs;
      bool all = true;
      for (int c = 0; c < model_.num_cnns() && all; ++c) {
        const double cost = Chain(c, allowed, &plain[c]);
        all = cost < kInf;
        costs.push_back(cost);
      }
      if (!all) return;
      if (Violation(plain).kind == ViolationKind::kNone) {
        const double value = CombineObjective(problem_.objective, costs);
        if (node.restrictions.empty()) root_bound_ = value;
        if (value < incumbent_) Improve(value, PlacementsOf(plain));
        return;
      }
    }
    // An incumbent from the root, then now and then deeper in the tree.
    if (expanded_++ % kGreedyEvery == 0) {
      Greedy(allowed);
      GreedyHeaviestFirst(allowed);
    }
    const int num_cnns = model_.num_cnns();
    std::vector<std::vector<int>> chosen(num_cnns);
    std::vector<double> prices = node.prices;
    double bound = node.bound;
    if (!Relax(allowed, node.restrictions.empty() ? kRootRounds : kNodeRounds, &prices, &bound,
               &chosen)) {
      return;  // no chain: nothing feasible below this node
    }
    if (node.restrictions.empty()) root_bound_ = bound;
    // The relaxed plan's true cost, when it is a plan.
    if (Violation(chosen).kind == ViolationKind::kNone) {
      std::vector<double> costs;
      for (int c = 0; c < num_cnns; ++c) costs.push_back(ChainCost(c, chosen[c]));
      const double value = CombineObjective(problem_.objective, costs);
      if (value < incumbent_) Improve(value, PlacementsOf(chosen));
    }
    if (bound >= incumbent_ * (1 - limits_.relative_gap) - 1e-15) return;
    auto push = [&](std::vector<Restriction> add) {
      Node child{bound, next_id_++, node.restrictions, prices};
      child.restrictions.insert(child.restrictions.end(), add.begin(), add.end());
      open.push(std::move(child));
    };
    const ViolationFound v = Violation(chosen);
    if (v.kind == ViolationKind::kShared) {
      // The group on its first layer's unit, or the first layer elsewhere.
      const auto& group = problem_.shared[v.index];
      const LayerRef first = group[0];
      const int u = options_[first.cnn][first.layer][chosen[first.cnn][first.layer]].output_unit;
      std::vector<Restriction> together;
      bool possible = true;
      for (const LayerRef& r : group) {
        const int o = WholeOptionOn(r, u);
        possible = possible && o >= 0;
        together.push_back({Rule::kOnly, r.cnn, r.layer, o});
      }
      if (possible) push(together);
      push({{Rule::kNot, first.cnn, first.layer, WholeOptionOn(first, u)}});
      return;
    }
    if (v.kind == ViolationKind::kOverloaded) {
      // A layer on the overloaded unit: the first one not yet bound to it uses
      // it or not; when all are bound, one whose option is not yet fixed takes
      // that option or not. When every one is fixed, nothing below fits.
      const int over = v.index;
      std::set<std::pair<int, int>> bound_here;
      for (const Restriction& r : node.restrictions) {
        if (r.rule == Rule::kOnlyUsing && r.value == over) bound_here.insert({r.cnn, r.layer});
      }
      for (int c = 0; c < num_cnns; ++c) {
        for (int j = 0; j < model_.num_layers(c); ++j) {
          if (chosen[c][j] < 0 || !Uses(options_[c][j][chosen[c][j]], over)) continue;
          if (bound_here.count({c, j})) continue;
          push({{Rule::kNotUsing, c, j, over}});
          push({{Rule::kOnlyUsing, c, j, over}, {Rule::kStartsHere, c, j, 0}});
          return;
        }
      }
    }
    // Fix or forbid one chosen option: on the overloaded unit when there is
    // one, else (a plan priced above its bound) the first not yet fixed.
    for (int c = 0; c < num_cnns; ++c) {
      for (int j = 0; j < model_.num_layers(c); ++j) {
        if (chosen[c][j] < 0) continue;
        if (v.kind == ViolationKind::kOverloaded && !Uses(options_[c][j][chosen[c][j]], v.index)) {
          continue;
        }
        const auto& a = allowed[c][j];
        if (std::count(a.begin(), a.end(), 1) <= 1) continue;
        push({{Rule::kNot, c, j, chosen[c][j]}});
        push({{Rule::kOnly, c, j, chosen[c][j]}, {Rule::kStartsHere, c, j, 0}});
        return;
      }
    }
  }

  enum class ViolationKind { kNone, kShared, kOverloaded };
  struct ViolationFound {
    ViolationKind kind = ViolationKind::kNone;
    int index = -1;  // the shared group, or the overloaded unit
  };

  // What `chosen` breaks first: a shared group on several units, else the
  // lowest-index unit over one of its limits.
  ViolationFound Violation(const std::vector<std::vector<int>>& chosen) const {
    for (size_t g = 0; g < problem_.shared.size(); ++g) {
      const auto& group = problem_.shared[g];
      const auto unit_of = [&](LayerRef r) {
        return options_[r.cnn][r.layer][chosen[r.cnn][r.layer]].output_unit;
      };
      const int u = unit_of(group[0]);
      if (!std::all_of(group.begin(), group.end(), [&](LayerRef r) { return unit_of(r) == u; })) {
        return {ViolationKind::kShared, static_cast<int>(g)};
      }
    }
    const std::vector<UnitUsage> usage = UsageOf(chosen);
    for (int u = 0; u < model_.num_units(); ++u) {
      if (model_.ExceededLimitsOn(u, usage[u]) != 0) return {ViolationKind::kOverloaded, u};
    }
    return {};
  }

  // Per unit, what `chosen` puts there; a shared group's layers count once.
  std::vector<UnitUsage> UsageOf(const std::vector<std::vector<int>>& chosen) const {
    std::vector<UnitUsage> usage(model_.num_units());
    for (int c = 0; c < model_.num_cnns(); ++c) {
      for (int j = 0; j < model_.num_layers(c); ++j) {
        if (chosen[c][j] < 0 || !priced_layer_[c][j]) continue;
        for (const UnitUse& u : options_[c][j][chosen[c][j]].uses) {
          usage[u.unit].items += u.items;
          usage[u.unit].memory_bytes += u.memory_bytes;
          usage[u.unit].mults += u.mults;
        }
      }
    }
    return usage;
  }

  // The expected seconds of CNN c's chain of chosen options, unpriced.
  double ChainCost(int c, const std::vector<int>& chosen) const {
    int at = problem_.system.sources[problem_.cnns[c].source].vertex;
    double total = 0;
    for (int j = 0; j < model_.num_layers(c); ++j) {
      if (chosen[j] < 0) continue;
      const LayerOption& o = options_[c][j][chosen[j]];
      total += InputSeconds(model_, o, at) + o.fixed_s;
      at = o.output_unit;
    }
    return total;
  }

  std::vector<std::vector<Placement>> PlacementsOf(
      const std::vector<std::vector<int>>& chosen) const {
    std::vector<std::vector<Placement>> plan(chosen.size());
    for (size_t c = 0; c < chosen.size(); ++c) {
      for (size_t j = 0; j < chosen[c].size(); ++j) {
        if (chosen[c][j] < 0) continue;
        for (const Placement& p : options_[c][j][chosen[c][j]].placements) plan[c].push_back(p);
      }
    }
    return plan;
  }

  // Lagrange multipliers on the units' limits, each limit scaled to 1, so that
  // a price is seconds per full unit: [3 u] items (L), [3 u + 1] memory,
  // [3 u + 2] mults. A shared group is priced on its first layer only (its
  // layers share one unit in any plan).
  double PriceOf(int c, int j, const LayerOption& o, const std::vector<double>& prices) const {
    if (prices.empty() || !priced_layer_[c][j]) return 0;
    double price = 0;
    for (const UnitUse& u : o.uses) {
      const size_t k = 3 * static_cast<size_t>(u.unit);
      price += prices[k] * u.items * inv_limit_[k] +
               prices[k + 1] * static_cast<double>(u.memory_bytes) * inv_limit_[k + 1] +
               prices[k + 2] * u.mults * inv_limit_[k + 2];
    }
    return price;
  }

  // The Lagrangian bound of a node by subgradient steps from `prices` (kSum;
  // under kMax the CNNs' chains do not add up, so the plain chains bound it).
  // Writes the best bound seen (never below the parent's), its multipliers
  // and its relaxed plan. False when some CNN has no chain at all.
  bool Relax(const Allowed& allowed, int rounds, std::vector<double>* prices, double* bound,
             std::vector<std::vector<int>>* chosen) {
    const int num_cnns = model_.num_cnns();
    const bool lagrangian = problem_.objective == Objective::kSum && any_limit_;
    if (!lagrangian) prices->clear();
    if (lagrangian && prices->empty()) prices->assign(inv_limit_.size(), 0.0);
    std::vector<std::vector<int>> current(num_cnns);
    double best = -kInf;
    double step_scale = 0.1;
    int since_better = 0;
    for (int round = 0; round < std::max(1, lagrangian ? rounds : 1); ++round) {
      double value = 0;
      std::vector<double> costs;
      for (int c = 0; c < num_cnns; ++c) {
        const double cost = Chain(c, allowed, &current[c], *prices);
        if (!(cost < kInf)) return false;
        costs.push_back(cost);
      }
      value = CombineObjective(problem_.objective, costs);
      // Subgradient: each limit's use minus one (limits scaled to 1).
      const std::vector<UnitUsage> usage = UsageOf(current);
      std::vector<double> g(inv_limit_.size(), 0.0);
      double norm = 0;
      for (int u = 0; lagrangian && u < model_.num_units(); ++u) {
        const double used[3] = {static_cast<double>(usage[u].items),
                                static_cast<double>(usage[u].memory_bytes), usage[u].mults};
        for (int r = 0; r < 3; ++r) {
          const size_t k = 3 * static_cast<size_t>(u) + r;
          if (inv_limit_[k] == 0) continue;
          value -= (*prices)[k];
          g[k] = used[r] * inv_limit_[k] - 1;
          if ((*prices)[k] > 0 || g[k] > 0) norm += g[k] * g[k];
        }
      }
      if (value > best) {
        best = value;
        *chosen = current;
        since_better = 0;
      } else if (++since_better >= 4) {
        step_scale /= 2;
        since_better = 0;
      }
      if (!lagrangian || norm == 0) break;  // no limit binds: the chains are optimal
      const double target = incumbent_ < kInf ? incumbent_ : std::max(best, 0.0) * 1.2 + 1e-6;
      const double step = step_scale * std::max(target - value, 1e-9) / norm;
      for (size_t k = 0; k < g.size(); ++k)
        (*prices)[k] = std::max(0.0, (*prices)[k] + step * g[k]);
    }
    *bound = std::max(*bound, best);
    return true;
  }

  // Index of the whole option of layer r on unit u, or -1.
  int WholeOptionOn(LayerRef r, int u) const {
    const auto& opts = options_[r.cnn][r.layer];
    for (size_t o = 0; o < opts.size(); ++o) {
      if (opts[o].placements[0].kind == PartitionKind::kWhole && opts[o].output_unit == u) {
        return static_cast<int>(o);
      }
    }
    return -1;
  }

  const CostModel& model_;
  const Problem& problem_;
  const SearchLimits& limits_;
  const Clock::time_point start_;
  std::vector<std::vector<std::vector<LayerOption>>> options_;  // [cnn][layer][option]
  // 1 / limit per unit and resource (L, memory, max_mults), 0 for no limit.
  std::vector<double> inv_limit_;
  bool any_limit_ = false;
  // priced_layer_[c][j]: layer j's uses count toward the limits (all but a
  // shared group's later layers).
  std::vector<std::vector<char>> priced_layer_;
  static constexpr int kRootRounds = 200;
  static constexpr int kNodeRounds = 12;
  int64_t next_id_ = 0;
  int64_t expanded_ = 0;
  static constexpr int64_t kGreedyEvery = 64;
  double incumbent_ = kInf;
  double root_bound_ = 0;
  double first_plan_s_ = -1;
  std::optional<std::vector<std::vector<Placement>>> best_;
};

}  // namespace

SplitOutcome RunSplitSearch(const CostModel& model, const SearchLimits& limits) {
  return Search(model, limits).Run();
}

}  // namespace distcnn::exact
