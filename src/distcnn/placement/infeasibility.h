// Explains why a problem has no feasible plan, naming the binding constraint
// ("layer fc6 needs 151.0 MB of weights; the largest unit that can host it has
// 134.2 MB"). Checks necessary conditions from the most specific to the most
// global; when none fails, the coupling of the per-unit limits is to blame.
#pragma once

#include <optional>
#include <string>

#include "distcnn/placement/cost_model.h"

namespace distcnn {

// Checks the necessary conditions for a plan, without search: reachability,
// each item fitting some unit, the layer slots (Hall's condition on L) and the
// total memory. Returns the first violated one as a one-sentence reason, which
// proves the problem infeasible; nothing when all hold. With partitioning on,
// only reachability is checked (the rest assumes whole layers).
std::optional<std::string> ProveInfeasible(const CostModel& model);

// A one-sentence reason. Meant for problems a solver proved infeasible; on a
// feasible problem it returns the generic coupling sentence.
std::string ExplainInfeasibility(const CostModel& model);

}  // namespace distcnn
