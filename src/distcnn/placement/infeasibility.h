// Explains why a problem has no feasible plan, naming the binding constraint
// ("layer fc6 needs 151.0 MB of weights; the largest unit that can host it has
// 134.2 MB"). Checks necessary conditions from the most specific to the most
// global; when none fails, the coupling of the per-unit limits is to blame.
#pragma once

#include <string>

#include "distcnn/placement/cost_model.h"

namespace distcnn {

// A one-sentence reason. Meant for problems a solver proved infeasible; on a
// feasible problem it returns the generic coupling sentence.
std::string ExplainInfeasibility(const CostModel& model);

}  // namespace distcnn
