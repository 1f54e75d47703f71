// The sweep engine: for every device mix, technology and system index of a
// Study, draws the random system (seed from the study seed and the index only),
// then solves every configuration x L x cost convention on it. Work is shared by
// a pool of std::threads, one Solver each; results are stored by index, so they
// are identical whatever the number of jobs (apart from solve times).
// Thread safety: RunSweep may be called from any thread; it does not print.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/placement/solver.h"
#include "distcnn/sim/study.h"

namespace distcnn {

// One solve: one random system x configuration x L x cost convention.
struct SweepRow {
  int mix = 0;            // index into Study::mixes
  int technology = 0;     // index into Study::technologies
  int system = 0;         // 0-based system index
  int configuration = 0;  // index into Study::configurations
  int layer_limit = 0;    // L; 0 is "C"
  CostConvention convention = CostConvention::kPaper;
  uint64_t seed = 0;         // the seed of the draw kept (DeriveAttemptSeed)
  int rejected_draws = 0;    // disconnected draws thrown away for this system
  int infeasible_draws = 0;  // connected draws thrown away as infeasible (redraw rules)
  SolveStatus status = SolveStatus::kNoSolution;
  bool has_plan = false;  // status is optimal or feasible
  // Seconds, summed over the configuration's CNNs (as the paper reports);
  // meaningful only when has_plan.
  double latency_s = 0;
  double transmission_s = 0;
  double processing_s = 0;
  double objective_s = 0;  // the solver's objective (sum or max)
  double gap = 0;          // relative gap; 0 when optimal
  // True when no solve was needed: the optimal plan of a looser L meets this L
  // (so it is optimal here too), or a looser L was already proven infeasible.
  bool reused = false;
  double solve_time_s = 0;  // wall time of the solve (the only timing value); 0 if reused
  int64_t nodes = 0;
  std::vector<int> units_per_type;  // units used, indexed like SweepResult::device_types
};

struct SweepResult {
  std::vector<std::string> device_types;  // every device type of the study's mixes
  // Ordered by mix, technology, system, configuration, L, convention (file order).
  std::vector<SweepRow> rows;
  double wall_time_s = 0;
  int jobs = 1;
};

struct SweepProgress {
  int64_t done = 0;   // solves finished
  int64_t total = 0;  // solves in the study
  double elapsed_s = 0;
};

struct SweepOptions {
  int jobs = 1;  // worker threads (>= 1)
  // Called after each random system's solves, from worker threads but never
  // concurrently. Optional.
  std::function<void(const SweepProgress&)> progress;
};

// Runs the study. Before any solve it checks, per technology, that at least
// 0.1 % of the first 10,000 draws are connected (CheckConnectionRate).
// Errors: kUnavailable (connection rate too low; a system without a connected
// draw in Study::max_draws; under a redraw rule (Study::feasibility), a system without a
// feasible draw in Study::max_infeasible_draws), kInvalidArgument (unknown
// solver, bad options). Otherwise infeasible or unsolved systems are rows.
Result<SweepResult> RunSweep(const Study& study, const SweepOptions& options);

// Number of solves RunSweep makes for `study`.
int64_t SweepSolveCount(const Study& study);

}  // namespace distcnn
