// ChainDp: the cheapest placement of one CNN's chain of layers when capacity is
// ignored, i.e. a shortest path through the layered graph (layer x unit) whose
// arcs cost LinkCoef x hops. Node costs (processing, source and sink terms,
// prices) come from the caller; +inf forbids a unit. Ties go to the lowest unit
// index, so results are deterministic. Holds scratch buffers: one thread at a time.
#pragma once

#include <vector>

#include "distcnn/placement/cost_model.h"

namespace distcnn::exact {

class ChainDp {
 public:
  // `forbid_repeat[j]`: layers j and j+1 may not share a unit (under L = 1 two
  // different items never do), so the arcs u -> u between them are left out.
  ChainDp(const CostModel& model, int cnn, std::vector<char> forbid_repeat);

  int num_layers() const { return num_layers_; }

  // node_cost[j * N + u]: seconds charged for layer j on unit u (+inf: not allowed).
  // Returns the cost of the cheapest chain (+inf when there is none) and writes
  // its units to `path` (left unchanged when there is none).
  double Shortest(const std::vector<double>& node_cost, std::vector<int>* path);

  // to_go[j * N + u]: cheapest cost of layers j..M-1 given layer j on unit u,
  // node cost of j included (+inf when impossible).
  void CostToGo(const std::vector<double>& node_cost, std::vector<double>* to_go);

  // through[j * N + u]: cheapest chain that puts layer j on unit u (+inf when
  // none). Returns the cheapest chain overall, like Shortest().
  double Through(const std::vector<double>& node_cost, std::vector<double>* through);

  // Every chain whose cost is at most `limit`, cheapest first (ties: lexicographic
  // by units), given `to_go` from CostToGo(node_cost). Writes the costs to
  // `costs` and the units, M per chain, to `units`. Returns false, with partial
  // output, when there are more than `max_paths`.
  bool Enumerate(const std::vector<double>& node_cost, const std::vector<double>& to_go,
                 double limit, size_t max_paths, std::vector<double>* costs,
                 std::vector<int>* units);

 private:
  // One relaxation step: out[u] = min over v of in[v] + coef * hops(v, u)
  // (v != u when `no_repeat`), for u with finite `target` cost; arg[u] = best v.
  void Relax(const std::vector<int>& from, const double* in, double coef, bool no_repeat,
             const std::vector<int>& to, double* out, int* arg) const;

  const CostModel& model_;
  int num_units_;
  int num_layers_;
  std::vector<double> link_coef_;
  std::vector<char> forbid_repeat_;
  std::vector<int> dist_;  // units x units hop matrix (eligible units only are used)
  std::vector<double> value_;
  std::vector<int> arg_;
  std::vector<std::vector<int>> active_;
  std::vector<int> path_scratch_;
};

}  // namespace distcnn::exact
