// Built-in device types and radio technologies (shared/spec/scenario.md).
// Memory limits are half the RAM in binary units; mults_per_s follows the
// paper's clock x cores / 10 rule unless the authors' code says otherwise.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace distcnn {

struct DeviceType {
  std::string name;
  int64_t memory_bytes = 0;                                    // usable for weights
  double mults_per_s = 0;                                      // e_i
  double max_mults = std::numeric_limits<double>::infinity();  // per-frame compute cap
};

struct Technology {
  std::string name;
  double rate_bps = 0;  // rho
  double range_m = 0;   // radio range for position-based adjacency
};

const std::vector<DeviceType>& BuiltinDeviceTypes();
std::optional<DeviceType> FindBuiltinDeviceType(std::string_view name);
const std::vector<Technology>& BuiltinTechnologies();
std::optional<Technology> FindBuiltinTechnology(std::string_view name);

}  // namespace distcnn
