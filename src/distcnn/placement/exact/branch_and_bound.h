// BranchAndBound: the search of the exact solver. A node restricts the units each
// capacity item may use (fix / forbid decisions, propagated against capacity);
// its lower bound is the Lagrangian relaxation (relaxation.h). Nodes are explored
// best bound first (ties: newest first, which dives), branching on a shared group
// split across units, then on an overloaded unit, then on an item of the relaxed
// plan. Feasible relaxed plans and a greedy completion guided by priced
// cost-to-go supply incumbents. Deterministic; one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/solver.h"

namespace distcnn::exact {

struct SearchLimits {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  double relative_gap = 0;  // prune nodes whose bound is within this fraction of the incumbent
  std::function<void(const SolveProgress&)> progress;  // see SolveOptions
  double progress_interval_s = 5;
};

struct SearchOutcome {
  bool complete = false;           // the whole tree was explored (no limit hit)
  std::optional<Assignment> plan;  // best feasible plan found
  double cost_s = 0;               // its objective (solver's arithmetic), seconds
  double bound_s = 0;              // proven lower bound on the optimum, seconds
  double root_bound_s = 0;         // bound at the root node
  int64_t nodes = 0;               // nodes whose relaxation was solved
  int64_t relaxations = 0;         // chain-DP rounds (one per CNN each)
  int64_t enumerated = 0;          // nodes solved by enumerating chains
  double first_plan_s = -1;        // seconds until the first plan, -1 if none
};

SearchOutcome RunBranchAndBound(const CostModel& model, const SearchLimits& limits);

}  // namespace distcnn::exact
