#include "distcnn/cli/profile_command.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <iostream>

#include "distcnn/cli/exit_status.h"
#include "distcnn/cli/flag_checks.h"
#include "distcnn/cli/kernel_choice.h"
#include "distcnn/model/model_loader.h"
#include "distcnn/profile/profile_format.h"
#include "distcnn/profile/profiler.h"
#include "distcnn/runtime/layer_timing.h"

namespace distcnn {
namespace {

// Half of this host's physical memory in whole MiB, as bytes: the catalogue's
// rule (memory_bytes = half the RAM) applied to what the OS reports.
Result<int64_t> HalfPhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_bytes = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_bytes <= 0) {
    return IoError("cannot read this host's physical memory size (sysconf)");
  }
  constexpr int64_t kMiB = int64_t{1} << 20;
  return static_cast<int64_t>(pages) * page_bytes / 2 / kMiB * kMiB;
}

// Device type names become YAML keys in the snippet: keep them plain.
Status CheckDeviceName(const std::string& name) {
  const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  if (plain) return Status::Ok();
  return InvalidArgument("--device-name '" + name +
                         "': expected letters, digits, '_', '-' or '.' (a scenario device type)");
}

}  // namespace

int RunProfileCommand(const ProfileFlags& flags) {
  Result<Granularity> granularity = ParseGranularity(flags.granularity);
  if (!granularity.ok()) return Fail(granularity.status());
  ModelLoadOptions options;
  options.keep_weights = flags.measure;  // timing runs the layers
  for (const std::string& d : flags.dims) {
    const size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(InvalidArgument("--dim '" + d + "': expected NAME=SIZE with SIZE >= 1"));
    }
    std::string size = d.substr(eq + 1);
    const std::string reason = CheckNumber<int64_t>(&size, {1});
    if (!reason.empty()) return Fail(InvalidArgument("--dim '" + d + "': SIZE " + reason));
    int64_t value = 0;
    std::from_chars(size.data(), size.data() + size.size(), value);  // checked above
    options.dim_sizes[d.substr(0, eq)] = value;
  }
  const KernelRegistry* kernels = nullptr;
  if (flags.measure) {
    if (flags.repeat < 1) {
      return Fail(
          InvalidArgument("--repeat " + std::to_string(flags.repeat) + ": expected at least 1"));
    }
    if (Status s = CheckDeviceName(flags.device_name); !s.ok()) return Fail(s);
    Result<const KernelRegistry*> chosen = ChooseKernels(flags.kernels, flags.threads);
    if (!chosen.ok()) return Fail(chosen.status());
    kernels = *chosen;
  }
  Result<Graph> graph = LoadModel(flags.model, options);
  if (!graph.ok()) return Fail(graph.status());
  Result<ModelProfile> profile = ProfileGraph(*graph, *granularity);
  if (!profile.ok()) return Fail(profile.status().WithContext(flags.model));

  ProfileMeasurement measurement;
  const ProfileMeasurement* measured = nullptr;
  if (flags.measure) {
    Result<std::vector<LayerTiming>> timings =
        TimeLayers(*graph, *profile, *kernels, {flags.repeat, flags.seed, flags.cold});
    if (!timings.ok()) return Fail(timings.status().WithContext(flags.model));
    Result<int64_t> memory_bytes = HalfPhysicalMemoryBytes();
    if (!memory_bytes.ok()) return Fail(memory_bytes.status());
    for (const LayerTiming& t : *timings) measurement.layer_time_s.push_back(t.time_s);
    measurement.mults_per_s = EffectiveMultsPerS(*timings);
    measurement.kernels = flags.kernels;
    measurement.repeat = flags.repeat;
    measurement.cold = flags.cold;
    measurement.device_name = flags.device_name;
    measurement.memory_bytes = *memory_bytes;
    measured = &measurement;
  }
  if (flags.format == "csv") {
    std::cout << FormatProfileCsv(*profile, measured);
  } else if (flags.format == "json") {
    std::cout << FormatProfileJson(*profile, measured);
  } else {
    std::cout << FormatProfileTable(*profile, measured);
  }
  return 0;
}

}  // namespace distcnn
