#include "distcnn/system/random_system.h"

#include <cmath>

#include "distcnn/base/rng.h"

namespace distcnn {

namespace {

bool Connected(const HopGraph& g) {
  for (int v = 1; v < g.num_vertices(); ++v) {
    if (g.Distance(0, v) == HopGraph::kUnreachable) return false;
  }
  return true;
}

}  // namespace

Result<RandomSystem> DrawConnectedSystem(const RandomSystemOptions& options, uint64_t seed) {
  double total = 0;
  for (const DeviceShare& s : options.mix) total += s.proportion;
  if (options.mix.empty() || std::abs(total - 1) > 1e-9) {
    return InvalidArgument("device proportions must sum to 1");
  }
  Rng rng(seed);
  auto position = [&] {
    double x = rng.Uniform(0, options.side_m);
    double y = rng.Uniform(0, options.side_m);
    return Position{x, y};
  };
  RandomSystem out;
  for (int draw = 0; draw < options.max_draws; ++draw) {
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
    if (Connected(sys.graph)) {
      out.spec = std::move(spec);
      out.system = std::move(sys);
      out.rejected_draws = draw;
      return out;
    }
  }
  return Status(StatusCode::kUnavailable,
                "no connected system in " + std::to_string(options.max_draws) + " draws");
}

}  // namespace distcnn
