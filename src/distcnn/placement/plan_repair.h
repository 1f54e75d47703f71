// Failover's re-plan, starting from the current plan (docs/runtime.md,
// "Failover"): the current plan with only what the failed units held moved.
// Every layer whole on a failed unit goes, together, to the one surviving unit
// that keeps the objective lowest; everything else stays where it runs. The
// coordinator takes this plan when it is as good as the solver's optimum,
// because it redeploys the fewest vertices (a re-plan of three AlexNets on
// the default system otherwise moves a dozen layers to equivalent units).
#pragma once

#include <optional>
#include <set>

#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/plan.h"

namespace distcnn {

struct RepairedPlan {
  Plan plan;
  Evaluation evaluation;
};

// Nullopt when a split placement uses a failed unit, or no surviving unit can
// take the failed units' layers. `problem` is the one without the failed units
// (WithoutUnits); `current` the plan that ran on them.
std::optional<RepairedPlan> RepairPlan(const Problem& problem, const Plan& current,
                                       const std::set<int>& failed);

}  // namespace distcnn
