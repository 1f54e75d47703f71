// Random IoT systems as in the paper's Section 6: units of given device types
// drawn i.i.d. with given proportions, uniform positions in a square, sources
// and sinks uniform too, adjacency by radio range; redrawn until every vertex
// reaches every other. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/system/system_builder.h"

namespace distcnn {

struct DeviceShare {
  DeviceType type;
  double proportion = 0;  // shares must sum to 1
};

struct RandomSystemOptions {
  double side_m = 30;  // the area is side_m x side_m
  int num_units = 30;
  std::vector<DeviceShare> mix;
  Technology technology{"wifi4", 72.2e6, 7.5};
  int num_sources = 1;
  int num_sinks = 1;
  int max_draws = 10000;  // give up (kUnavailable) after this many disconnected draws
};

struct RandomSystem {
  SystemSpec spec;  // what was drawn (positions, types), to write out or redraw
  IoTSystem system;
  int rejected_draws = 0;  // disconnected draws thrown away before this one
};

Result<RandomSystem> DrawConnectedSystem(const RandomSystemOptions& options, uint64_t seed);

}  // namespace distcnn
