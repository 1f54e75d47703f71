#include "distcnn/cli/profile_command.h"

#include <cstdlib>
#include <iostream>

#include "distcnn/cli/exit_status.h"
#include "distcnn/model/model_loader.h"
#include "distcnn/profile/profile_format.h"
#include "distcnn/profile/profiler.h"

namespace distcnn {

int RunProfileCommand(const ProfileFlags& flags) {
  Result<Granularity> granularity = ParseGranularity(flags.granularity);
  if (!granularity.ok()) return Fail(granularity.status());
  ModelLoadOptions options;
  options.keep_weights = false;
  for (const std::string& d : flags.dims) {
    const size_t eq = d.find('=');
    char* end = nullptr;
    const long long v = eq == std::string::npos ? -1 : std::strtoll(d.c_str() + eq + 1, &end, 10);
    if (eq == std::string::npos || eq == 0 || v < 1 || !end || *end) {
      return Fail(InvalidArgument("--dim '" + d + "': expected NAME=SIZE with SIZE >= 1"));
    }
    options.dim_sizes[d.substr(0, eq)] = v;
  }
  Result<Graph> graph = LoadModel(flags.model, options);
  if (!graph.ok()) return Fail(graph.status());
  Result<ModelProfile> profile = ProfileGraph(*graph, *granularity);
  if (!profile.ok()) return Fail(profile.status().WithContext(flags.model));
  if (flags.format == "csv") {
    std::cout << FormatProfileCsv(*profile);
  } else if (flags.format == "json") {
    std::cout << FormatProfileJson(*profile);
  } else {
    std::cout << FormatProfileTable(*profile);
  }
  return 0;
}

}  // namespace distcnn
