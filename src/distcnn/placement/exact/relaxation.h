// Relaxation: Lagrangian lower bounds for a (sub)problem of the exact solver.
// The capacity constraints (L, memory, max_mults per unit, each normalised by its
// limit) are priced into the node costs; a shared group's price is split equally
// among its member layers and the group may split across units, so each CNN is
// solved alone by ChainDp and the bound stays valid. Each chain must also fit
// the units by itself (under L = 1: no unit revisited by another item), which
// every feasible plan does: a much tighter bound on crowded systems. Subgradient ascent with
// Polyak steps improves the prices. Holds scratch state: one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/exact/capacity.h"
#include "distcnn/placement/exact/chain_dp.h"

namespace distcnn::exact {

// The relaxed plan: every layer on a unit, capacities and group unity ignored.
struct RelaxedSolution {
  std::vector<std::vector<int>> units;  // [cnn][layer]
  std::vector<double> chain_cost;       // priced cost of each CNN's chain, seconds
};

struct AscentOptions {
  int iterations = 0;  // subgradient steps after the first evaluation
  double step = 1.0;   // initial Polyak step factor in (0, 2]
  int patience = 0;    // stop after this many evaluations without a better bound (0: never)
  const double* cutoff = nullptr;       // stop once the bound reaches *cutoff
  const double* upper_bound = nullptr;  // best known objective (Polyak target), may be +inf
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Called with every relaxed solution met (to harvest feasible plans).
  std::function<void(const RelaxedSolution&)> on_solution;
};

class Relaxation {
 public:
  Relaxation(const CostModel& model, const Capacity& capacity);

  // Prices: [resource r in {L, memory, mults}][unit], >= 0; 3 * N of them.
  int num_prices() const { return 3 * model_.num_units(); }
  // False when prices cannot help (objective max, or no binding capacity).
  bool priced() const { return priced_; }

  // allowed[item * N + unit] says whether the item may go on the unit.
  // Returns the Lagrangian bound at `prices` (+inf when some CNN has no chain)
  // and the relaxed solution.
  double Evaluate(const std::vector<char>& allowed, const std::vector<double>& prices,
                  RelaxedSolution* solution);

  // Subgradient ascent from *prices; leaves the best prices in *prices and the
  // solution at them in *best. Returns the best bound found.
  double Ascend(const std::vector<char>& allowed, std::vector<double>* prices,
                const AscentOptions& options, RelaxedSolution* best);

  // Priced cost-to-go tables of every CNN (see ChainDp::CostToGo), for heuristics.
  void CostToGo(const std::vector<char>& allowed, const std::vector<double>& prices,
                std::vector<std::vector<double>>* to_go);

  // Every chain of `cnn` whose priced cost is at most `limit`, cheapest first
  // (see ChainDp::Enumerate). False when there are more than `max_paths`.
  bool EnumerateChains(int cnn, const std::vector<char>& allowed, const std::vector<double>& prices,
                       double limit, size_t max_paths, std::vector<double>* costs,
                       std::vector<int>* units);

  // Priced cost of the cheapest chain of each CNN through each (layer, unit)
  // (see ChainDp::Through), for reduced-cost fixing.
  void Through(const std::vector<char>& allowed, const std::vector<double>& prices,
               std::vector<std::vector<double>>* through);

 private:
  void NodeCosts(int cnn, const std::vector<char>& allowed, const std::vector<double>& prices,
                 std::vector<double>* cost) const;
  // Normalised use of resource r of `unit` by `item` (0 when the constraint is inactive).
  double ComputeUse(int r, int item, int unit) const;
  // The same, from a table: NodeCosts() reads it for every unit of every evaluation.
  size_t UseIndex(int r, int item, int unit) const {
    return (static_cast<size_t>(r) * capacity_.num_items() + item) * n_ + unit;
  }
  double Use(int r, int item, int unit) const { return use_[UseIndex(r, item, unit)]; }
  void Subgradient(const RelaxedSolution& s, std::vector<double>* g) const;

  const CostModel& model_;
  const Capacity& capacity_;
  int n_;
  bool priced_ = false;
  std::vector<char> active_;               // [r * N + u]
  std::vector<double> use_;                // [UseIndex(r, item, unit)]
  std::vector<std::vector<double>> base_;  // [cnn][j * N + u], +inf when not allowed at all
  std::vector<int> group_size_;            // [item]
  std::vector<ChainDp> dps_;
  std::vector<double> scratch_cost_;
};

}  // namespace distcnn::exact
