// FindSlotShortage against its slow twin: Hall's condition checked over every
// subset of items, on small random instances. A returned shortage must be a
// real proof (its items use only its units, and outnumber their free slots).
#include "distcnn/placement/slot_matching.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "distcnn/base/rng.h"

namespace distcnn {
namespace {

// True when some subset S of `items` has fewer free slots on the units it may
// use than |S| elements: exactly when no matching exists (Hall's theorem).
bool SomeSubsetLacksSlots(const std::vector<char>& allowed, int n, const std::vector<int>& slots,
                          const std::vector<int>& items) {
  const int k = static_cast<int>(items.size());
  for (int mask = 1; mask < (1 << k); ++mask) {
    std::vector<char> used(n, 0);
    int size = 0;
    for (int b = 0; b < k; ++b) {
      if (!(mask >> b & 1)) continue;
      ++size;
      for (int u = 0; u < n; ++u) used[u] |= allowed[static_cast<size_t>(items[b]) * n + u];
    }
    int room = 0;
    for (int u = 0; u < n; ++u) room += used[u] ? slots[u] : 0;
    if (room < size) return true;
  }
  return false;
}

TEST(SlotMatchingTest, AgreesWithHallsConditionOverEverySubset) {
  Rng rng(20261204);
  int shortages = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const int k = 1 + static_cast<int>(rng.Below(9));
    const int n = 1 + static_cast<int>(rng.Below(5));
    const double density = rng.Uniform(0.1, 0.9);
    std::vector<char> allowed(static_cast<size_t>(k) * n);
    for (char& a : allowed) a = rng.Bernoulli(density);
    std::vector<int> slots(n);
    for (int& s : slots) s = static_cast<int>(rng.Below(3));
    std::vector<int> items;
    for (int i = 0; i < k; ++i) {
      if (rng.Bernoulli(0.8)) items.push_back(i);
    }
    const std::optional<SlotShortage> found = FindSlotShortage(allowed, n, slots, items);
    ASSERT_EQ(found.has_value(), SomeSubsetLacksSlots(allowed, n, slots, items));
    if (!found) continue;
    ++shortages;
    EXPECT_LT(found->free_slots, static_cast<int>(found->items.size()));
    int room = 0;
    for (int u : found->units) room += slots[u];
    EXPECT_EQ(room, found->free_slots);
    for (int i : found->items) {
      EXPECT_TRUE(std::find(items.begin(), items.end(), i) != items.end());
      for (int u = 0; u < n; ++u) {
        if (allowed[static_cast<size_t>(i) * n + u]) {
          EXPECT_TRUE(std::binary_search(found->units.begin(), found->units.end(), u));
        }
      }
    }
  }
  EXPECT_GT(shortages, 300);
  EXPECT_LT(shortages, 2700);
}

}  // namespace
}  // namespace distcnn
