#include "distcnn/placement/slot_matching.h"

#include <algorithm>
#include <cstddef>

namespace distcnn {

namespace {

class Matcher {
 public:
  Matcher(const std::vector<char>& allowed, int num_units, const std::vector<int>& free_slots)
      : allowed_(allowed),
        num_units_(num_units),
        free_slots_(free_slots),
        holders_(num_units),
        visited_(num_units, 0) {}

  // Finds an augmenting path from `item`; on failure, the units and items the
  // search reached form a Hall witness (every reached unit is full, and every
  // unit a reached item may use was reached).
  bool Augment(int item) {
    ++stamp_;
    reached_items_.clear();
    return Visit(item);
  }

  SlotShortage Witness() const {
    SlotShortage s;
    s.items = reached_items_;
    std::sort(s.items.begin(), s.items.end());
    for (int u = 0; u < num_units_; ++u) {
      if (visited_[u] != stamp_) continue;
      s.units.push_back(u);
      s.free_slots += std::max(0, free_slots_[u]);
    }
    return s;
  }

 private:
  bool Visit(int item) {
    reached_items_.push_back(item);
    const char* row = allowed_.data() + static_cast<size_t>(item) * num_units_;
    for (int u = 0; u < num_units_; ++u) {  // a free slot first: short paths
      if (row[u] && visited_[u] != stamp_ &&
          static_cast<int>(holders_[u].size()) < free_slots_[u]) {
        visited_[u] = stamp_;
        holders_[u].push_back(item);
        return true;
      }
    }
    for (int u = 0; u < num_units_; ++u) {
      if (!row[u] || visited_[u] == stamp_) continue;
      visited_[u] = stamp_;
      for (int& holder : holders_[u]) {
        const int moved = holder;
        if (Visit(moved)) {
          holder = item;  // `moved` found a slot elsewhere; `item` takes its place
          return true;
        }
      }
    }
    return false;
  }

  const std::vector<char>& allowed_;
  int num_units_;
  const std::vector<int>& free_slots_;
  std::vector<std::vector<int>> holders_;  // [unit]: the items matched to it
  std::vector<int> visited_;               // [unit]: stamp of the last search that reached it
  int stamp_ = 0;
  std::vector<int> reached_items_;
};

// Sufficient for a matching, and cheap: when every item may use at least as
// many units with a free slot as there are items, placing them one by one never
// runs out (at most items - 1 of those units can be full).
bool EachItemHasEnoughUnits(const std::vector<char>& allowed, int num_units,
                            const std::vector<int>& free_slots, const std::vector<int>& to_place) {
  const int needed = static_cast<int>(to_place.size());
  for (int item : to_place) {
    const char* row = allowed.data() + static_cast<size_t>(item) * num_units;
    int usable = 0;
    for (int u = 0; u < num_units && usable < needed; ++u) usable += row[u] && free_slots[u] > 0;
    if (usable < needed) return false;
  }
  return true;
}

}  // namespace

std::optional<SlotShortage> FindSlotShortage(const std::vector<char>& allowed, int num_units,
                                             const std::vector<int>& free_slots,
                                             const std::vector<int>& to_place) {
  if (EachItemHasEnoughUnits(allowed, num_units, free_slots, to_place)) return std::nullopt;
  Matcher matcher(allowed, num_units, free_slots);
  for (int item : to_place) {
    if (!matcher.Augment(item)) return matcher.Witness();
  }
  return std::nullopt;
}

}  // namespace distcnn
