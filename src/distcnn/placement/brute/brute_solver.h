// BruteSolver: tries every assignment of capacity items (shared groups and lone
// layers) to units, and with partitioning on every split placement too, and
// keeps the best feasible one, as scored by the evaluator.
// Obviously correct and exponential: the oracle for tests on tiny instances.
#pragma once

#include "distcnn/placement/solver.h"

namespace distcnn {

class BruteSolver : public Solver {
 public:
  // Instances with more than `max_assignments` candidate assignments
  // (units^items) are refused with kNoSolution and a note.
  explicit BruteSolver(double max_assignments = 2e7) : max_assignments_(max_assignments) {}
  std::string_view name() const override { return "brute"; }
  SolveResult Solve(const CostModel& model, const SolveOptions& options) override;

 private:
  // With partitioning on: every placement of docs/cost-model.md's plan space.
  SolveResult SolveWithSplits(const CostModel& model, const SolveOptions& options);
  double max_assignments_;
};

}  // namespace distcnn
