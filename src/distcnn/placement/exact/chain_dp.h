// ChainDp: the cheapest placement of one CNN's chain of layers when capacity is
// ignored, i.e. a shortest path through the layered graph (layer x unit) whose
// arcs cost LinkCoef x hops. Node costs (processing, source and sink terms,
// prices) come from the caller; +inf forbids a unit. Ties are broken by fixed
// rules (unit index, queue order), so results are deterministic. Holds scratch
// buffers: one thread at a time.
#pragma once

#include <limits>
#include <utility>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/exact/capacity.h"

namespace distcnn::exact {

class ChainDp {
 public:
  // `forbid_repeat[j]`: layers j and j+1 may not share a unit (under L = 1 two
  // different items never do), so the arcs u -> u between them are left out.
  // `capacity`: null, or the per-unit limits; then ShortestElementary() and
  // Enumerate() skip chains whose own items overload a unit (a shared group's
  // layers count once), which no feasible plan contains. Under L = 1 this keeps
  // chains elementary: no unit revisited by another item.
  ChainDp(const CostModel& model, int cnn, std::vector<char> forbid_repeat,
          const Capacity* capacity = nullptr);

  int num_layers() const { return num_layers_; }

  // node_cost[j * N + u]: seconds charged for layer j on unit u (+inf: not allowed).
  // Returns the cost of the cheapest chain (+inf when there is none) and writes
  // its units to `path` (left unchanged when there is none).
  double Shortest(const std::vector<double>& node_cost, std::vector<int>* path);

  // Like Shortest(), but among chains that do not overload a unit by themselves
  // (see the constructor): a depth-first search, cheapest extension first,
  // pruned by the cost-to-go of the unrestricted chains. Falls back to Shortest()
  // (a weaker but still valid bound) when the search exceeds a fixed node budget
  // or no capacity was given. Deterministic.
  double ShortestElementary(const std::vector<double>& node_cost, std::vector<int>* path);

  // to_go[j * N + u]: cheapest cost of layers j..M-1 given layer j on unit u,
  // node cost of j included (+inf when impossible).
  void CostToGo(const std::vector<double>& node_cost, std::vector<double>* to_go);

  // through[j * N + u]: cheapest chain that puts layer j on unit u (+inf when
  // none). Returns the cheapest chain overall, like Shortest().
  double Through(const std::vector<double>& node_cost, std::vector<double>* through);

  // Every chain whose cost is at most `limit`, cheapest first (ties: lexicographic
  // by units), given `to_go` from CostToGo(node_cost). Writes the costs to
  // `costs` and the units, M per chain, to `units`. Returns false, with empty
  // output, when there are more than `max_paths`.
  bool Enumerate(const std::vector<double>& node_cost, const std::vector<double>& to_go,
                 double limit, size_t max_paths, std::vector<double>* costs,
                 std::vector<int>* units);

 private:
  // One relaxation step: out[u] = min over v of in[v] + coef * hops(v, u)
  // (v != u when `no_repeat`), for u with finite `target` cost; arg[u] = best v.
  // Dense (|from| x |to|) on small systems, else RelaxBySweep().
  void Relax(const std::vector<int>& from, const double* in, double coef, bool no_repeat,
             const std::vector<int>& to, double* out, int* arg);
  // The same step in O(V log V + E): since an arc costs coef per hop, it is a
  // multi-source shortest-path search over the radio graph with initial labels
  // in[v], equal edge weights, so a sorted list of sources merged with a FIFO
  // queue settles labels in order. Each vertex keeps its two best labels of
  // distinct origin, so that `no_repeat` can take the best origin other than u.
  void RelaxBySweep(const std::vector<int>& from, const double* in, double coef, bool no_repeat,
                    const std::vector<int>& to, double* out, int* arg);
  // Seconds of the arc from unit u (layer j) to v (layer j + 1): link_coef_[j] x
  // hops, +inf when forbidden (the same unit under forbid_repeat_) or unreachable.
  double ArcCost(int j, int u, int v) const {
    if (!dense_) return ArcCostFromHops(j, u, v);
    return arc_cost_[(static_cast<size_t>(j) * num_units_ + u) * num_units_ + v];
  }
  double ArcCostFromHops(int j, int u, int v) const {
    const int h = dist_[static_cast<size_t>(u) * num_units_ + v];
    if (h < 0 || (forbid_repeat_[j] && u == v)) return std::numeric_limits<double>::infinity();
    return link_coef_[j] * h;  // the product Relax() forms: bit-identical sums
  }
  // Fills arc_cost_ (small systems only).
  void BuildArcCosts();
  // Value-only relaxation over the link from layer j to j + 1 (either direction):
  // out[u] = min over v of in[v] + ArcCost(j, v, u), for every unit u, exactly
  // (min is exact): what Relax() gives, except that its sweep may land one
  // rounding step above when two sums nearly tie. Needs arc_cost_.
  void RelaxDense(int j, const double* in, double* out) const;
  void AddNodeCosts(const double* cost, double* row) const;
  // from_start[j * N + u]: cheapest cost of layers 0..j with layer j on unit u,
  // node cost of j included (+inf when impossible). Returns the cheapest chain.
  // Needs arc_cost_.
  double CostFromStart(const std::vector<double>& node_cost, std::vector<double>* from_start);

  struct Candidate {
    double bound;   // prefix + arc + cost-to-go: no chain through it is cheaper
    double prefix;  // cost of the chain up to and including this unit
    int unit;
  };
  // True when layer `j` on `unit` overloads it, with the items of path[0..j-1]
  // that sit there (each item counted once).
  bool Overloads(const std::vector<int>& path, int j, int unit) const;

  const CostModel& model_;
  int num_units_;
  int num_layers_;
  std::vector<double> link_coef_;
  std::vector<char> forbid_repeat_;
  std::vector<int> dist_;  // units x units hop matrix (eligible units only are used)
  // Small systems keep arc_cost_[(j * N + u) * N + v] = ArcCostFromHops(j, u, v)
  // and relax with RelaxDense(); large ones use Relax() and leave it empty.
  bool dense_ = false;
  std::vector<double> arc_cost_;
  // Radio graph over every vertex (units first, then sources and sinks, which
  // relay), as adjacency lists in one array: neighbours of v are
  // adj_[adj_start_[v] .. adj_start_[v + 1]).
  int num_vertices_ = 0;
  std::vector<int> adj_start_;
  std::vector<int> adj_;
  struct Label {
    int origin;
    int hops;
  };
  struct Pending {
    int vertex;
    int origin;
    int hops;
  };
  std::vector<Label> labels_;  // [vertex * 2 + k], k < label_count_[vertex]
  std::vector<int> label_count_;
  std::vector<int> sources_;
  std::vector<Pending> fifo_;
  std::vector<int> scratch_arg_;
  std::vector<double> value_;
  std::vector<int> arg_;
  std::vector<std::vector<int>> active_;
  std::vector<int> path_scratch_;
  const Capacity* capacity_ = nullptr;
  std::vector<int> item_;  // [layer]: its capacity item
  std::vector<double> to_go_scratch_;
  std::vector<std::vector<Candidate>> candidates_;  // [layer], one search frame each
  std::vector<Candidate> roots_;                    // ShortestElementary's first layer
  std::vector<int> best_path_;                      // ShortestElementary's best chain
  std::vector<double> found_cost_;                  // Enumerate's chains, in the order found
  std::vector<int> found_units_;
  std::vector<std::pair<double, size_t>> order_;  // Enumerate's (cost, index found)
};

}  // namespace distcnn::exact
