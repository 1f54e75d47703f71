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

// How many of a seed's draws are connected (the draws DrawConnectedSystem makes).
struct ConnectionRate {
  int draws = 0;      // draws examined
  int connected = 0;  // connected among them
  double rate() const { return draws > 0 ? static_cast<double>(connected) / draws : 0.0; }
};

// Examines the first `max_draws` draws of `seed`'s stream, stopping early once
// `stop_after_connected` (> 0) of them are connected. Errors: kInvalidArgument
// for a bad mix (as DrawConnectedSystem).
Result<ConnectionRate> MeasureConnectionRate(const RandomSystemOptions& options, uint64_t seed,
                                             int max_draws, int stop_after_connected);

// Fails with kUnavailable, reporting the measured rate, when fewer than
// `min_rate` x `window` of the first `window` draws of `seed` are connected
// (default: 0.1 % of 10,000), so that a hopeless protocol stops with a clear
// message instead of redrawing for ever. Stops early once enough draws are
// connected, so a normal protocol costs a few dozen draws.
Status CheckConnectionRate(const RandomSystemOptions& options, uint64_t seed,
                           double min_rate = 0.001, int window = 10000);

}  // namespace distcnn
