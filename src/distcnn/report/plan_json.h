// The plan as JSON: the public contract of `distcnn plan --json`
// (shared/spec/scenario.md, "Plan"; docs/plan-output.md). Every latency comes
// from Evaluate(), the single source of truth. Field names never change; new
// fields may be added. Pure function, thread-safe; nlohmann stays in the .cc.
#pragma once

#include <string>
#include <string_view>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/solver.h"

namespace distcnn {

// Renders `result` (solved on `model`) as the plan JSON document. `indent` < 0
// gives one compact line, otherwise pretty-printed with that many spaces.
// When result.status is kInfeasible (or there is no assignment) the document has
// "reason" and no "cnns"/"units"; "latency_s" is null. `infeasible_reason` names
// the binding constraint; when empty, result.note (or a generic text) is used.
// Non-finite numbers are written as null. Routes list only transfers between
// different vertices (hops >= 1). Never fails.
std::string PlanJson(const CostModel& model, const SolveResult& result,
                     std::string_view infeasible_reason = {}, int indent = 2);

// Reads the plan back from a plan document (`distcnn run --plan`): every
// CNN and layer of `problem` by name, each mapped to a unit id (version 1), or
// in version 2 either that or a split (docs/plan-output.md). Validates the
// whole document first. Errors (kInvalidArgument, prefixed with `display_name`,
// naming the field): not JSON; format_version other than 1 or 2; a split
// outside the plan space (Plan::Make); a status other
// than optimal or feasible; a scenario_digest that is not `problem`'s (plans
// written before the digest have none and are accepted); a CNN or layer that
// `problem` lacks, or one of `problem`'s that the document lacks; a unit that
// is not a string or not a unit of `problem`; with `require_digest`, a
// document without scenario_digest. Feasibility is the caller's to check
// (Evaluate).
Result<Plan> ReadPlan(const Problem& problem, std::string_view json_text,
                      const std::string& display_name, bool require_digest = false);

}  // namespace distcnn
