// Slot matching: can every capacity item take one of the layer slots (L per
// unit) of a unit it may use? A bipartite b-matching, items to units, by
// augmenting paths. When it cannot, Hall's theorem gives the proof: a set of
// items whose usable units have fewer free slots, together, than there are
// items. Counting of this kind is how `exact` proves "more layers than room"
// before any search. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <vector>

namespace distcnn {

struct SlotShortage {
  std::vector<int> items;  // ascending; more items than `units` have free slots
  std::vector<int> units;  // ascending; every unit any of `items` may use
  int free_slots = 0;      // sum of free_slots over `units` (< items.size())
};

// `allowed[item * num_units + unit]` is nonzero when `item` may go on `unit`;
// `free_slots[unit]` is how many more items `unit` may take. Only the items in
// `to_place` are matched. Returns nothing when all of them fit, else a shortage.
std::optional<SlotShortage> FindSlotShortage(const std::vector<char>& allowed, int num_units,
                                             const std::vector<int>& free_slots,
                                             const std::vector<int>& to_place);

}  // namespace distcnn
