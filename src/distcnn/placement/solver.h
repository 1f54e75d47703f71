// The Solver interface shared by `exact` (ours), `milp` (COIN-OR CBC) and
// `brute` (exhaustive, the test oracle). Outcomes are values, not errors: a
// SolveResult says optimal / feasible / infeasible / no_solution, with the
// objective re-evaluated by the evaluator, a proven lower bound and statistics.
// A Solver object is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "distcnn/base/status.h"
#include "distcnn/placement/evaluator.h"

namespace distcnn {

enum class SolveStatus {
  kOptimal,     // plan found and proven optimal
  kFeasible,    // a limit was hit; plan found, bound_s proves how far from optimal
  kInfeasible,  // proven: no feasible plan exists
  kNoSolution,  // a limit was hit before any plan was found
};
const char* SolveStatusName(SolveStatus s);  // "optimal", "feasible", ...

// A snapshot of a long solve, for progress output.
struct SolveProgress {
  double elapsed_s = 0;
  int64_t nodes = 0;
  double best_s = std::numeric_limits<double>::infinity();  // incumbent; infinity when none
  double bound_s = 0;                                       // proven lower bound so far
  int64_t open_nodes = 0;
};

struct SolveOptions {
  // Wall-clock limit in seconds; infinity (default) means none.
  double time_limit_s = std::numeric_limits<double>::infinity();
  // Relative optimality tolerance: stop when (objective - bound) <= gap * objective.
  // Default 0: prove optimality exactly (up to floating-point rounding).
  double relative_gap = 0;
  // Called from the solving thread about every progress_interval_s seconds of
  // a search (exact only; milp and brute never call it). Empty: no reports.
  std::function<void(const SolveProgress&)> progress;
  double progress_interval_s = 5;
};

struct SolveResult {
  SolveStatus status = SolveStatus::kNoSolution;
  std::optional<Plan> plan;
  double objective_s = std::numeric_limits<double>::infinity();  // evaluator's value
  double bound_s = 0;  // proven lower bound on the optimum
  double solve_time_s = 0;
  int64_t nodes = 0;   // search nodes (solver-specific meaning)
  std::string solver;  // "exact", "milp", "brute"
  std::string note;    // free text: why no solution, limits hit, ...

  // Relative gap (objective - bound) / objective; 0 when optimal.
  double gap() const;
};

class Solver {
 public:
  virtual ~Solver() = default;
  virtual std::string_view name() const = 0;
  virtual SolveResult Solve(const CostModel& model, const SolveOptions& options) = 0;
};

// Makes "exact", "milp" or "brute"; kInvalidArgument for other names.
Result<std::unique_ptr<Solver>> MakeSolver(std::string_view name);

// Fills objective_s from the evaluator and checks feasibility; a solver that
// returns an infeasible assignment is a bug, so this CHECKs.
void FinishWithEvaluation(const CostModel& model, SolveResult& result);

}  // namespace distcnn
