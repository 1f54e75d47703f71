// `distcnn plan`: loads a scenario (or draws the built-in default), solves the
// placement, and writes the text summary, the JSON plan and the SVG drawing.
// Returns the process exit status of shared/spec/scenario.md (0 plan found,
// 1 bad input, 2 proven infeasible, 3 no plan within the time limit).
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace distcnn {

struct PlanFlags {
  std::string scenario_path;  // empty: the built-in default scenario
  uint64_t default_seed = 1;  // seed of the default scenario's random system
  std::string solver = "exact";
  double time_limit_s = std::numeric_limits<double>::infinity();
  std::string json_path;  // "-" for stdout; empty for none
  std::string svg_path;   // empty for none
};

int RunPlanCommand(const PlanFlags& flags);

}  // namespace distcnn
