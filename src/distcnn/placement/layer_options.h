// LayerOptions: every way one layer of a CNN may be placed under its
// partitioning (docs/cost-model.md, "The plan space"), each with the figures a
// search needs: what it costs whatever comes before it, what getting its input
// costs from a given vertex, where its output ends up, and what it puts on each
// unit. The brute, exact and MILP solvers enumerate the plan space through this
// one module; every figure comes from split_cost.h and the CostModel, and each
// chosen plan is re-priced by the evaluator. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/plan.h"

namespace distcnn {

// What an option puts on one unit per frame (unweighted, as the limits count).
struct UnitUse {
  int unit = -1;
  int items = 0;  // toward L
  int64_t memory_bytes = 0;
  double mults = 0;
};

struct LayerOption {
  // The placements of the layers it covers, from its first layer: one, two
  // for a fused pair, k for a spatial stack of k layers.
  std::vector<Placement> placements;
  int span() const { return static_cast<int>(placements.size()); }
  // Receivers of the first layer's input with their expected seconds per hop:
  // its unit (whole) or every part (split). From vertex v the input costs
  // sum of seconds_per_hop x d(v, unit).
  std::vector<std::pair<int, double>> inputs;
  // Expected seconds that depend on nothing else: processing (slowest part plus
  // merge), the gather to the merge unit, and the decision to the sink when the
  // last covered layer exits (IsExit).
  double fixed_s = 0;
  int output_unit = -1;       // where the last covered layer's output is whole
  std::vector<UnitUse> uses;  // per unit, ascending; a whole layer's item counted in full
};

// Seconds to bring `option`'s input from hop-graph vertex `from` (+inf when a
// receiver is unreachable).
double InputSeconds(const CostModel& model, const LayerOption& option, int from);

// Every option of layer j of `cnn`: whole on each unit the CNN may use (units
// that reach its source and sink), then every split the CNN's partitioning
// allows (CanSplit; `in_shared_group` forbids them), in a fixed order. With
// `allow_spans`, the splits spanning several layers are included: fused pairs
// starting at j, and (j = 0) spatial stacks of every depth. Splits in which a part
// would hold no split unit are left out, and so is every option that
// overloads a unit by itself (L, memory or max_mults): no feasible plan has it.
std::vector<LayerOption> LayerOptions(const CostModel& model, int cnn, int j, bool in_shared_group,
                                      bool allow_spans);

// True when layer (cnn, j) is in a shared group of the model's problem.
bool InSharedGroup(const Problem& problem, int cnn, int j);

}  // namespace distcnn
