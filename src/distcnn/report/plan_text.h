// The readable plan summary, the default output of `distcnn plan`: a header
// (scenario, sizes, options), the solve status, per-CNN layer tables and latency
// breakdowns in milliseconds, and the load of every unit. Fixed-width columns,
// plain ASCII, no colour. Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/solver.h"

namespace distcnn {

// Renders `result` (solved on `model`) as text ending in a newline. Latencies
// come from Evaluate(). Without a plan (infeasible, no_solution) it shows the
// status and the reason: `infeasible_reason`, else result.note. Never fails.
std::string PlanText(const CostModel& model, const SolveResult& result,
                     std::string_view infeasible_reason = {});

}  // namespace distcnn
