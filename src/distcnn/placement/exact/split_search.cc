#include "distcnn/placement/exact/split_search.h"

#include <algorithm>
#include <chrono>
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
  kOnlyUsing,    // options that put something on unit `value`
  kNotUsing,     // options that put nothing on unit `value`
  kOnly,         // option `value` alone
  kNot,          // every option but `value`
  kNoFusedInto,  // layer-1 takes no fused pair, so an option starts at `layer`
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
    std::priority_queue<Node, std::vector<Node>, WorseNode> open;
    open.push(Node{0, next_id_++, {}});
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
          case Rule::kNoFusedInto:
            break;
        }
      }
      if (r.rule == Rule::kNoFusedInto && r.layer > 0) {
        std::vector<char>& before = allowed[r.cnn][r.layer - 1];
        const auto& prev = options_[r.cnn][r.layer - 1];
        for (size_t o = 0; o < prev.size(); ++o) before[o] = before[o] && prev[o].span() == 1;
      }
    }
    return allowed;
  }

  // A necessary condition: the layers bound to a unit by kOnlyUsing or kOnly
  // (each must start at its layer, kNoFusedInto) fit it with their smallest
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
  double Chain(int c, const Allowed& allowed, std::vector<int>* chosen) const {
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
        const double total = in + opts[o].fixed_s;
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

  void Expand(const Node& node, std::priority_queue<Node, std::vector<Node>, WorseNode>& open) {
    const Allowed allowed = AllowedAt(node);
    if (!CommittedFit(node, allowed)) return;
    const int num_cnns = model_.num_cnns();
    std::vector<std::vector<int>> chosen(num_cnns);
    std::vector<double> costs;
    for (int c = 0; c < num_cnns; ++c) {
      const double cost = Chain(c, allowed, &chosen[c]);
      if (!(cost < kInf)) return;  // no chain: nothing feasible below this node
      costs.push_back(cost);
    }
    const double bound = CombineObjective(problem_.objective, costs);
    if (node.restrictions.empty()) root_bound_ = bound;
    if (bound >= incumbent_) return;
    auto push = [&](std::vector<Restriction> add) {
      Node child{bound, next_id_++, node.restrictions};
      child.restrictions.insert(child.restrictions.end(), add.begin(), add.end());
      open.push(std::move(child));
    };
    auto unit_of = [&](LayerRef r) {
      return options_[r.cnn][r.layer][chosen[r.cnn][r.layer]].output_unit;
    };
    // A shared group must sit on one unit (its layers are whole).
    for (const auto& group : problem_.shared) {
      const int u = unit_of(group[0]);
      if (std::all_of(group.begin(), group.end(), [&](LayerRef r) { return unit_of(r) == u; })) {
        continue;
      }
      std::vector<Restriction> together;
      bool possible = true;
      for (const LayerRef& r : group) {
        const int o = WholeOptionOn(r, u);
        if (o < 0) possible = false;
        together.push_back({Rule::kOnly, r.cnn, r.layer, o});
      }
      if (possible) push(together);
      push({{Rule::kNot, group[0].cnn, group[0].layer, WholeOptionOn(group[0], u)}});
      return;
    }
    // The units' limits.
    std::vector<UnitUsage> usage(model_.num_units());
    std::set<std::pair<int, int>> counted;  // (shared item, unit)
    for (int c = 0; c < num_cnns; ++c) {
      for (int j = 0; j < model_.num_layers(c); ++j) {
        if (chosen[c][j] < 0) continue;
        const LayerOption& o = options_[c][j][chosen[c][j]];
        if (InSharedGroup(problem_, c, j) &&
            !counted.insert({model_.ItemOf(c, j), o.output_unit}).second) {
          continue;
        }
        for (const UnitUse& u : o.uses) {
          usage[u.unit].items += u.items;
          usage[u.unit].memory_bytes += u.memory_bytes;
          usage[u.unit].mults += u.mults;
        }
      }
    }
    int over = -1;
    for (int u = 0; u < model_.num_units() && over < 0; ++u) {
      if (model_.ExceededLimitsOn(u, usage[u]) != 0) over = u;
    }
    if (over < 0) {
      // Within every limit: the best plan under this node.
      incumbent_ = bound;
      if (first_plan_s_ < 0) {
        first_plan_s_ = std::chrono::duration<double>(Clock::now() - start_).count();
      }
      best_.emplace(num_cnns);
      for (int c = 0; c < num_cnns; ++c) {
        for (int j = 0; j < model_.num_layers(c); ++j) {
          if (chosen[c][j] < 0) continue;
          for (const Placement& p : options_[c][j][chosen[c][j]].placements) {
            (*best_)[c].push_back(p);
          }
        }
      }
      return;
    }
    // A layer on the overloaded unit: first one not yet bound to it uses it or
    // not; when all are bound, one whose option is not yet fixed takes that
    // option or not. When every one is fixed, nothing below fits.
    std::set<std::pair<int, int>> bound_here;
    for (const Restriction& r : node.restrictions) {
      if (r.rule == Rule::kOnlyUsing && r.value == over) bound_here.insert({r.cnn, r.layer});
    }
    for (int c = 0; c < num_cnns; ++c) {
      for (int j = 0; j < model_.num_layers(c); ++j) {
        if (chosen[c][j] < 0 || !Uses(options_[c][j][chosen[c][j]], over)) continue;
        if (bound_here.count({c, j})) continue;
        push({{Rule::kNotUsing, c, j, over}});
        push({{Rule::kOnlyUsing, c, j, over}, {Rule::kNoFusedInto, c, j, 0}});
        return;
      }
    }
    for (int c = 0; c < num_cnns; ++c) {
      for (int j = 0; j < model_.num_layers(c); ++j) {
        if (chosen[c][j] < 0 || !Uses(options_[c][j][chosen[c][j]], over)) continue;
        const auto& a = allowed[c][j];
        if (std::count(a.begin(), a.end(), 1) <= 1) continue;
        push({{Rule::kNot, c, j, chosen[c][j]}});
        push({{Rule::kOnly, c, j, chosen[c][j]}, {Rule::kNoFusedInto, c, j, 0}});
        return;
      }
    }
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
  int64_t next_id_ = 0;
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
