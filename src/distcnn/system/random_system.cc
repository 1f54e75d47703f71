#include "distcnn/system/random_system.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "distcnn/base/rng.h"

namespace distcnn {

namespace {

bool Connected(const HopGraph& g) {
  for (int v = 1; v < g.num_vertices(); ++v) {
    if (g.Distance(0, v) == HopGraph::kUnreachable) return false;
  }
  return true;
}

Status CheckMix(const RandomSystemOptions& options) {
  double total = 0;
  for (const DeviceShare& s : options.mix) total += s.proportion;
  if (options.mix.empty() || std::abs(total - 1) > 1e-9) {
    return InvalidArgument("device proportions must sum to 1");
  }
  return Status::Ok();
}

// One draw: unit types i.i.d. with the mix's proportions, then uniform
// positions; sources and sinks uniform too. Consumes `rng` in a fixed order.
Result<std::pair<SystemSpec, IoTSystem>> DrawOnce(const RandomSystemOptions& options, Rng& rng) {
  auto position = [&] {
    double x = rng.Uniform(0, options.side_m);
    double y = rng.Uniform(0, options.side_m);
    return Position{x, y};
  };
  SystemSpec spec;
  spec.technology = options.technology;
  for (int i = 0; i < options.num_units; ++i) {
    double r = rng.Uniform();
    size_t k = 0;
    while (k + 1 < options.mix.size() && r >= options.mix[k].proportion) {
      r -= options.mix[k].proportion;
      ++k;
    }
    char id[16];
    std::snprintf(id, sizeof id, "n%02d", i + 1);
    spec.units.push_back(Unit{id, options.mix[k].type, position()});
  }
  for (int s = 0; s < options.num_sources; ++s) {
    spec.sources.push_back({"s" + std::to_string(s + 1), position(), std::nullopt});
  }
  for (int s = 0; s < options.num_sinks; ++s) {
    spec.sinks.push_back({"f" + std::to_string(s + 1), position(), std::nullopt});
  }
  ASSIGN_OR_RETURN(IoTSystem sys, BuildSystem(spec));
  return std::make_pair(std::move(spec), std::move(sys));
}

}  // namespace

Result<RandomSystem> DrawConnectedSystem(const RandomSystemOptions& options, uint64_t seed) {
  RETURN_IF_ERROR(CheckMix(options));
  Rng rng(seed);
  RandomSystem out;
  for (int draw = 0; draw < options.max_draws; ++draw) {
    ASSIGN_OR_RETURN(auto drawn, DrawOnce(options, rng));
    if (Connected(drawn.second.graph)) {
      out.spec = std::move(drawn.first);
      out.system = std::move(drawn.second);
      out.rejected_draws = draw;
      return out;
    }
  }
  return Status(StatusCode::kUnavailable,
                "no connected system in " + std::to_string(options.max_draws) + " draws");
}

Result<ConnectionRate> MeasureConnectionRate(const RandomSystemOptions& options, uint64_t seed,
                                             int max_draws, int stop_after_connected) {
  RETURN_IF_ERROR(CheckMix(options));
  Rng rng(seed);
  ConnectionRate out;
  while (out.draws < max_draws && out.connected < stop_after_connected) {
    ASSIGN_OR_RETURN(auto drawn, DrawOnce(options, rng));
    ++out.draws;
    if (Connected(drawn.second.graph)) ++out.connected;
  }
  return out;
}

Status CheckConnectionRate(const RandomSystemOptions& options, uint64_t seed, double min_rate,
                           int window) {
  const int needed = std::max(1, static_cast<int>(std::ceil(min_rate * window - 1e-9)));
  ASSIGN_OR_RETURN(ConnectionRate r, MeasureConnectionRate(options, seed, window, needed));
  if (r.connected >= needed) return Status::Ok();
  char msg[320];
  std::snprintf(msg, sizeof msg,
                "only %d of the first %d random systems are connected (connection rate %.3g %%, "
                "below the minimum of %.3g %%): %d units in a %g m x %g m square with a %g m "
                "range rarely form a connected radio graph; enlarge the range, shrink the area "
                "or add units",
                r.connected, r.draws, 100.0 * r.rate(), 100.0 * min_rate, options.num_units,
                options.side_m, options.side_m, options.technology.range_m);
  return Status(StatusCode::kUnavailable, msg);
}

}  // namespace distcnn
