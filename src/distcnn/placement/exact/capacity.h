// Capacity: the per-unit limits of a problem (L, memory, max_mults) and the
// resources of each item, cached for the search; the test itself is the cost
// model's ExceededLimits(). Loads are
// plain values the caller owns. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "distcnn/placement/cost_model.h"

namespace distcnn::exact {

using Load = UnitUsage;

class Capacity {
 public:
  explicit Capacity(const CostModel& model);

  int num_units() const { return num_units_; }
  int num_items() const { return static_cast<int>(item_memory_.size()); }
  int layer_limit() const { return layer_limit_; }
  int64_t memory(int unit) const { return memory_[unit]; }
  double max_mults(int unit) const { return max_mults_[unit]; }
  int64_t item_memory(int item) const { return item_memory_[item]; }
  double item_mults(int item) const { return item_mults_[item]; }

  // True when `load` plus `item` still respects every limit of `unit`.
  bool Fits(const Load& load, int item, int unit) const {
    Load with = load;
    Add(with, item);
    return Within(with, unit);
  }
  bool Within(const Load& load, int unit) const {
    return ExceededLimits(load, layer_limit_, memory_[unit], max_mults_[unit]) == 0;
  }
  void Add(Load& load, int item) const {
    load.items += 1;
    load.memory_bytes += item_memory_[item];
    load.mults += item_mults_[item];
  }

 private:
  int num_units_;
  int layer_limit_;
  std::vector<int64_t> memory_;
  std::vector<double> max_mults_;
  std::vector<int64_t> item_memory_;
  std::vector<double> item_mults_;
};

}  // namespace distcnn::exact
