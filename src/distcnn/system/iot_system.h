// IoTSystem: the computing units, the data sources and decision sinks, the radio
// technology, and the hop graph joining them. Unit i is hop-graph vertex i;
// sources and sinks follow, except those placed `at:` a unit, which share that
// unit's vertex (hop distance 0). Immutable once built; safe to share.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "distcnn/system/device_catalogue.h"
#include "distcnn/system/hop_graph.h"

namespace distcnn {

struct Position {
  double x_m = 0;
  double y_m = 0;
};

struct Unit {
  std::string id;
  DeviceType type;
  std::optional<Position> pos;
};

// A source (camera) or a sink (decision recipient). Never computes; relays.
struct Endpoint {
  std::string id;
  int vertex = -1;  // hop-graph vertex
  std::optional<Position> pos;
  std::optional<int> at_unit;  // set when merged into a unit
};

struct IoTSystem {
  std::vector<Unit> units;
  std::vector<Endpoint> sources;
  std::vector<Endpoint> sinks;
  Technology technology;
  HopGraph graph;
  // Vertex names, index = vertex (units, then unmerged sources, then unmerged sinks).
  std::vector<std::string> vertex_ids;

  int num_units() const { return static_cast<int>(units.size()); }
};

}  // namespace distcnn
