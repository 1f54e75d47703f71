// Builds an IoTSystem (vertices, adjacency, hop distances) from a plain
// description. Adjacency is exactly `links` when given, else every pair of
// vertices within the technology's range. Errors name the offending id.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/system/iot_system.h"

namespace distcnn {

struct EndpointSpec {
  std::string id;
  std::optional<Position> pos;
  std::optional<std::string> at;  // id of the unit it is merged into
};

struct SystemSpec {
  std::vector<Unit> units;
  std::vector<EndpointSpec> sources;
  std::vector<EndpointSpec> sinks;
  Technology technology;
  std::optional<std::vector<std::pair<std::string, std::string>>> links;
};

// Returns kInvalidArgument for duplicate ids, unknown ids in links or `at:`,
// or a vertex without a position when adjacency must come from positions.
Result<IoTSystem> BuildSystem(const SystemSpec& spec);

}  // namespace distcnn
