// Placements written by hand in tests: a layer whole on one unit, or split
// over units with shares 3:3:2 (4:4 for two parts) of G = 8.
#pragma once

#include <string>
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

// A scenario for split runs: cam - u0 - ... - u{n-1} - sink over Wi-Fi 4,
// Raspberry Pi 3B+ units, one CNN `net` of zoo model `model`, partitioning on
// (all four kinds, up to 3 parts of G = 8).
inline std::string SplitChainScenario(const std::string& model, int units) {
  std::string s = "name: split-" + model +
                  "\ntechnology: wifi4\npartitioning: {kinds: [out_channels, in_channels, "
                  "fused, spatial], max_parts: 3, granules: 8}\nunits:\n";
  std::string links = "links: [[cam, u0]";
  for (int u = 0; u < units; ++u) {
    s += "  - {id: u" + std::to_string(u) + ", type: rpi3bplus}\n";
    if (u > 0) links += ", [u" + std::to_string(u - 1) + ", u" + std::to_string(u) + "]";
  }
  s += links + ", [u" + std::to_string(units - 1) + ", sink]]\n";
  s += "sources: [{id: cam}]\nsinks: [{id: sink}]\ncnns:\n  - {name: net, source: cam, model: "
       "\"zoo:" +
       model + "\"}\n";
  return s;
}

}  // namespace distcnn::testing
