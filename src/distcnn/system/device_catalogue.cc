#include "distcnn/system/device_catalogue.h"

namespace distcnn {

namespace {
constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;
}  // namespace

const std::vector<DeviceType>& BuiltinDeviceTypes() {
  static const std::vector<DeviceType> kTypes = {
      {"stm32h7", 512 * kKiB, 40e6},       {"rpi3bplus", 512 * kMiB, 560e6},
      {"odroidc2", 1 * kGiB, 600e6},       {"beagleboneai", 512 * kMiB, 300e6},
      {"orangepizero", 128 * kMiB, 480e6}, {"rpizero", 256 * kMiB, 100e6},
      {"jetson", 4 * kGiB, 5000e6},
  };
  return kTypes;
}

std::optional<DeviceType> FindBuiltinDeviceType(std::string_view name) {
  for (const auto& t : BuiltinDeviceTypes()) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

const std::vector<Technology>& BuiltinTechnologies() {
  static const std::vector<Technology> kTechs = {
      {"wifi4", 72.2e6, 7.5},
      {"halow", 7.2e6, 7.5},
  };
  return kTechs;
}

std::optional<Technology> FindBuiltinTechnology(std::string_view name) {
  for (const auto& t : BuiltinTechnologies()) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

}  // namespace distcnn
