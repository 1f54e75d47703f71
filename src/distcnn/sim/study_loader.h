// Study files: reads a YAML study (format in docs/sweeps.md) into a Study.
// yaml-cpp exceptions are caught here. Every error message reads
// "FILE:LINE: field.path: what is wrong", like the scenario loader's.
// Stateless and thread-safe.
//
//   name: paper-table5            # optional; default: the file's stem
//   seed: 1                       # study seed (default 1; --seed overrides)
//   systems: 1000                 # random systems per cell
//   L: [1, 2, 3, 4, C]            # C (or "unlimited"): no limit
//   cost_conventions: [published-v1, paper]   # default [paper]
//   objective: sum                # sum (default) or max
//   solver: exact                 # default exact; time_limit: 60 s per solve
//   device_types: {...}           # optional, as in the scenario format
//   protocol:
//     area: 30 m                  # side of the square
//     units: 30
//     mixes: {50-50: {stm32h7: 0.5, rpi3bplus: 0.5}}   # name -> proportions
//     technologies: [wifi4, halow]  # names or {name, rate_bps, range_m}
//     range: 7.5 m                # optional: overrides every technology's range
//     sources: 1                  # default: the most CNNs of any configuration
//     sinks: 1
//     placement: uniform          # units, sources and sinks uniform in the square
//     connectivity: redraw        # redraw until connected, counting rejected draws
//     feasibility: keep           # or redraw: replace a system in the cells where it is infeasible
//   configurations:
//     - {name: 5-layer CNN, cnns: [cnn5]}          # the paper's Tables 1 and 2
//     - {name: shared, cnns: [cnn5, cnn5], shared_prefix: 2}
//     - {name: file, scenario: ../examples/paper-two-cnns-shared.yaml}
#pragma once

#include <string>
#include <string_view>

#include "distcnn/base/status.h"
#include "distcnn/sim/study.h"

namespace distcnn {

// Reads the study at `path`. Errors: kNotFound (no such file), kIoError
// (unreadable), kInvalidArgument (malformed or contradictory study: unknown
// device type, proportions that do not sum to 1, unknown CNN, ...). Scenario
// files named by configurations are resolved relative to the study's directory.
Result<Study> LoadStudyFile(const std::string& path);

// Parses study text; `display_name` stands for the file in messages and its
// stem is the default study name; `base_dir` resolves relative scenario paths.
Result<Study> LoadStudyText(std::string_view text, std::string_view display_name,
                            const std::string& base_dir = ".");

}  // namespace distcnn
