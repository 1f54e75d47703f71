// Placements written by hand in tests: a layer whole on one unit, or split
// over units with shares 3:3:2 (4:4 for two parts) of G = 8.
#pragma once

#include <vector>

#include "distcnn/placement/plan.h"

namespace distcnn::testing {

inline Placement Whole(int unit) { return Placement{PartitionKind::kWhole, {Part{unit, 0}}, -1}; }

inline Placement Split(PartitionKind kind, std::vector<int> units, int merge) {
  Placement p{kind, {}, merge};
  const std::vector<int> shares =
      units.size() == 3 ? std::vector<int>{3, 3, 2} : std::vector<int>{4, 4};
  for (size_t i = 0; i < units.size(); ++i) p.parts.push_back(Part{units[i], shares[i]});
  return p;
}

}  // namespace distcnn::testing
