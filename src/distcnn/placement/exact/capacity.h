// Capacity: the per-unit limits of a problem (L, memory, max_mults) and the
// resources of each item, with the fit test the evaluator applies. Loads are
// plain values the caller owns. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "distcnn/placement/cost_model.h"

namespace distcnn::exact {

struct Load {
  int items = 0;
  int64_t memory_bytes = 0;
  double mults = 0;
};

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
    return load.items + 1 <= layer_limit_ &&
           load.memory_bytes + item_memory_[item] <= memory_[unit] &&
           load.mults + item_mults_[item] <= max_mults_[unit] * (1 + 1e-12);
  }
  bool Within(const Load& load, int unit) const {
    return load.items <= layer_limit_ && load.memory_bytes <= memory_[unit] &&
           load.mults <= max_mults_[unit] * (1 + 1e-12);
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
