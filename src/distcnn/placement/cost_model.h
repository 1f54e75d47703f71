// CostModel: the coefficients of the expected-latency model of
// shared/spec/scenario.md, precomputed once per Problem, and the capacity
// "items" (a shared group or a lone layer). The evaluator and every solver read
// costs from here, so there is exactly one definition of the cost model.
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "distcnn/placement/problem.h"

namespace distcnn {

// What occupies capacity on a unit: a shared group or a single layer. Its
// weights count once toward memory, mults and the per-unit layer limit L.
struct Item {
  std::vector<LayerRef> layers;
  int64_t memory_bytes = 0;
  double mults = 0;
};

// What a set of items puts on one unit per frame: unweighted by probabilities,
// a shared group once (the contract's Eqs. 3-5).
struct UnitUsage {
  int items = 0;  // toward L
  int64_t memory_bytes = 0;
  double mults = 0;
};

// The per-unit limits, the one place they are compared: bits of the limits
// `usage` exceeds (0 when within all). Mults sum in floating point in any
// order, so they get a relative slack of 1e-12.
enum LimitBits : unsigned { kOverLayers = 1, kOverMemory = 2, kOverMults = 4 };
inline unsigned ExceededLimits(const UnitUsage& usage, int layer_limit, int64_t memory_bytes,
                               double max_mults) {
  return (usage.items > layer_limit ? kOverLayers : 0u) |
         (usage.memory_bytes > memory_bytes ? kOverMemory : 0u) |
         (usage.mults > max_mults * (1 + 1e-12) ? kOverMults : 0u);
}

// Seconds of a transfer that costs `per_hop_s` per hop over `hops` hops; +inf
// when unreachable (HopGraph::kUnreachable) unless it costs nothing.
inline double HopSeconds(double per_hop_s, int hops) {
  if (hops == HopGraph::kUnreachable) {
    return per_hop_s == 0 ? 0 : std::numeric_limits<double>::infinity();
  }
  return per_hop_s * hops;
}

class CostModel {
 public:
  explicit CostModel(const Problem& problem);

  const Problem& problem() const { return *problem_; }
  int num_units() const { return num_units_; }
  int num_cnns() const { return static_cast<int>(cnns_.size()); }
  int num_layers(int cnn) const { return static_cast<int>(cnns_[cnn].link_coef.size()) + 1; }

  // Seconds per hop of a transfer of `bytes` that happens with probability
  // `prob` per frame: prob x 8 bytes / rho. Every coefficient below is one.
  double AirtimePerHop(double prob, int64_t bytes) const {
    return prob * static_cast<double>(bytes) * seconds_per_byte_;
  }
  // Seconds per hop of each transfer (already weighted by its probability).
  double SourceCoef(int cnn) const { return cnns_[cnn].source_coef; }
  double LinkCoef(int cnn, int j) const { return cnns_[cnn].link_coef[j]; }  // j -> j+1
  double SinkCoef(int cnn, int j) const { return cnns_[cnn].sink_coef[j]; }
  // Weight w_j of layer j's processing time (cost convention).
  double ProcessingWeight(int cnn, int j) const { return cnns_[cnn].proc_weight[j]; }
  // Expected seconds of processing layer j of `cnn` on `unit`: w_j c_j / e_unit.
  double ProcessingTime(int cnn, int j, int unit) const {
    return cnns_[cnn].proc_time[static_cast<size_t>(j) * num_units_ + unit];
  }

  int Hops(int unit_a, int unit_b) const { return problem_->system.graph.Distance(unit_a, unit_b); }
  int SourceHops(int cnn, int unit) const { return cnns_[cnn].source_hops[unit]; }
  int SinkHops(int cnn, int unit) const { return cnns_[cnn].sink_hops[unit]; }
  // A unit can host a CNN's layers only if it reaches the CNN's source and sink.
  bool Eligible(int cnn, int unit) const { return cnns_[cnn].eligible[unit] != 0; }
  const std::vector<int>& EligibleUnits(int cnn) const { return cnns_[cnn].eligible_units; }

  const std::vector<Item>& items() const { return items_; }
  int ItemOf(int cnn, int j) const { return item_of_[cnn][j]; }
  // True when `unit` alone could hold `item`: eligible for all its CNNs and the
  // item's memory and mults fit the unit's limits.
  bool ItemFits(int item, int unit) const;

  // Layer limit per unit (L), or a value >= total items when unlimited.
  int layer_limit() const { return layer_limit_; }
  // ExceededLimits() for `unit`'s L, memory and max_mults.
  unsigned ExceededLimitsOn(int unit, const UnitUsage& usage) const;

 private:
  struct CnnCoefs {
    double source_coef = 0;
    std::vector<double> link_coef;
    std::vector<double> sink_coef;
    std::vector<double> proc_weight;
    std::vector<double> proc_time;  // [layer][unit]
    std::vector<int> source_hops;   // [unit]
    std::vector<int> sink_hops;     // [unit]
    std::vector<char> eligible;     // [unit]
    std::vector<int> eligible_units;
  };

  const Problem* problem_;
  int num_units_;
  double seconds_per_byte_;
  std::vector<CnnCoefs> cnns_;
  std::vector<Item> items_;
  std::vector<std::vector<int>> item_of_;
  int layer_limit_;
};

}  // namespace distcnn
