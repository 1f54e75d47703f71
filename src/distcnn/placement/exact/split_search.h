// SplitSearch: the exact solver's search when partitioning is on
// (docs/cost-model.md, "The plan space"). Each layer takes one of its
// LayerOptions (whole on a unit, or a split: kind, unit set, shares, merge
// unit). A node restricts the options of some layers; its lower bound is the
// Lagrangian relaxation of the units' limits (subgradient steps, warm-started
// from the parent), each CNN then a shortest chain of priced options over the
// layers' output vertices. Two greedy plans (layer order; heaviest layer
// first) supply incumbents. Nodes are explored best bound first;
// a relaxed plan that breaks a shared group or a unit's limits is branched on
// (the group on its unit or not; a layer using the overloaded unit or not,
// then its option fixed or forbidden). A relaxed plan that breaks nothing is
// optimal for its node. Deterministic; one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/exact/branch_and_bound.h"
#include "distcnn/placement/plan.h"

namespace distcnn::exact {

struct SplitOutcome {
  bool complete = false;  // the whole tree was explored (no limit hit)
  std::optional<std::vector<std::vector<Placement>>> plan;  // best feasible plan found
  double cost_s = 0;        // its objective (solver's arithmetic), seconds
  double bound_s = 0;       // proven lower bound on the optimum, seconds
  double root_bound_s = 0;  // bound at the root node
  int64_t nodes = 0;        // nodes whose relaxation was solved
  int64_t options = 0;      // layer options enumerated
  double first_plan_s = -1;
  std::string note;  // why it stopped early, when it did for another reason than time
};

// Searches the plan space of `model` (partitioning on). Stops at the deadline
// or within limits.relative_gap of the bound.
SplitOutcome RunSplitSearch(const CostModel& model, const SearchLimits& limits);

}  // namespace distcnn::exact
