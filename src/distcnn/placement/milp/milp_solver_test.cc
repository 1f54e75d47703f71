#include "distcnn/placement/milp/milp_solver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "distcnn/base/rng.h"
#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/milp/milp_model.h"
#include "distcnn/placement/testing/random_problem.h"

namespace distcnn {
namespace {

// Seeds start here; override with DISTCNN_TEST_SEED to explore other instances.
uint64_t FirstSeed() {
  const char* env = std::getenv("DISTCNN_TEST_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 1;
}

double Candidates(const CostModel& model) {
  return std::pow(static_cast<double>(model.num_units()),
                  static_cast<double>(model.items().size()));
}

bool IsSolved(SolveStatus s) { return s == SolveStatus::kOptimal; }

void ExpectClose(double a, double b) {
  EXPECT_LE(std::abs(a - b), 1e-6 * std::max({1e-12, std::abs(a), std::abs(b)}))
      << a << " vs " << b;
}

// Row activities of `values`, for checking the formulation by hand.
bool RowsSatisfied(const MilpModel& milp, const std::vector<double>& values) {
  for (int r = 0; r < milp.num_rows(); ++r) {
    double activity = 0;
    for (int e = milp.row_start[r]; e < milp.row_start[r + 1]; ++e) {
      activity += milp.row_value[e] * values[milp.row_col[e]];
    }
    const double tol = 1e-9 * std::max(1.0, std::abs(activity));
    if (activity < milp.row_lb[r] - tol || activity > milp.row_ub[r] + tol) return false;
  }
  return true;
}

// The MILP's objective and rows agree with the evaluator on random assignments
// (no solver involved): the formulation is the cost model.
TEST(MilpModel, ObjectiveAndRowsMatchEvaluator) {
  int checked = 0, feasible = 0;
  for (uint64_t seed = FirstSeed(); seed < FirstSeed() + 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem problem = RandomProblem(seed);
    const CostModel model(problem);
    const MilpModel milp = BuildMilpModel(model);
    if (!milp.infeasible_reason.empty()) continue;
    Rng rng(seed);
    for (int trial = 0; trial < 20; ++trial) {
      // A random assignment that respects each item's columns.
      Assignment a;
      for (int c = 0; c < model.num_cnns(); ++c) a.unit.emplace_back(model.num_layers(c), 0);
      for (int it = 0; it < static_cast<int>(model.items().size()); ++it) {
        std::vector<int> units;
        for (int u = 0; u < model.num_units(); ++u) {
          if (milp.x_col[it][u] >= 0) units.push_back(u);
        }
        const int u = units[rng.Below(units.size())];
        for (const LayerRef& r : model.items()[it].layers) a.unit[r.cnn][r.layer] = u;
      }
      const std::vector<double> values = ColumnsFromAssignment(model, milp, a);
      const Evaluation ev = Evaluate(model, a);
      double objective = 0;
      for (int c = 0; c < milp.num_cols(); ++c) objective += milp.objective[c] * values[c];
      ExpectClose(objective / milp.objective_scale, ev.objective_s);
      EXPECT_EQ(RowsSatisfied(milp, values), ev.feasible());
      EXPECT_EQ(AssignmentFromColumns(model, milp, values), a);
      ++checked;
      feasible += ev.feasible() ? 1 : 0;
    }
  }
  EXPECT_GT(checked, 2000);
  EXPECT_GT(feasible, 200);
}

// MILP vs exhaustive search on small instances: same status class, same
// optimum, feasible plans.
TEST(MilpSolver, AgreesWithBruteForce) {
  RandomProblemOptions options;
  options.max_units = 6;
  options.max_cnns = 3;
  options.max_layers = 4;
  MilpSolver milp;
  BruteSolver brute;
  int compared = 0, optimal = 0, infeasible = 0, max_objective = 0, shared = 0;
  uint64_t seed = FirstSeed();
  for (; compared < 400 && seed < FirstSeed() + 4000; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem problem = RandomProblem(seed, options);
    const CostModel model(problem);
    if (Candidates(model) > 1e6) continue;
    ++compared;
    const SolveResult expected = brute.Solve(model, {});
    const SolveResult got = milp.Solve(model, {});
    ASSERT_TRUE(expected.status == SolveStatus::kOptimal ||
                expected.status == SolveStatus::kInfeasible);
    EXPECT_EQ(got.status, expected.status) << got.note;
    EXPECT_EQ(got.solver, "milp");
    if (IsSolved(expected.status) && IsSolved(got.status)) {
      ++optimal;
      ASSERT_TRUE(got.plan.has_value());
      const Evaluation ev = Evaluate(model, *got.plan);
      EXPECT_TRUE(ev.feasible());
      ExpectClose(ev.objective_s, expected.objective_s);
      ExpectClose(got.objective_s, ev.objective_s);
      EXPECT_EQ(got.bound_s, got.objective_s);
    }
    if (expected.status == SolveStatus::kInfeasible) {
      ++infeasible;
      EXPECT_FALSE(got.plan.has_value());
    }
    max_objective += problem.objective == Objective::kMax ? 1 : 0;
    shared += problem.shared.empty() ? 0 : 1;
  }
  std::printf(
      "milp vs brute: %d compared (seeds %llu..%llu): %d optimal, %d infeasible, "
      "%d max-objective, %d with shared layers\n",
      compared, static_cast<unsigned long long>(FirstSeed()),
      static_cast<unsigned long long>(seed - 1), optimal, infeasible, max_objective, shared);
  EXPECT_GE(compared, 400);
  EXPECT_GE(optimal, 200);
  EXPECT_GE(infeasible, 20);
  EXPECT_GE(max_objective, 60);
  EXPECT_GE(shared, 40);
}

// A limit on a larger instance: an honest status, a bound below the plan, and
// the limit roughly honoured.
TEST(MilpSolver, HonoursTimeLimit) {
  RandomProblemOptions options;
  options.min_units = 40;
  options.max_units = 40;
  options.max_cnns = 3;
  options.max_layers = 12;
  const uint64_t seed = FirstSeed() + 7;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Problem problem = RandomProblem(seed, options);
  problem.objective = Objective::kMax;  // weaker LP bound: harder for CBC
  const CostModel model(problem);
  SolveOptions limits;
  limits.time_limit_s = 2.0;
  const SolveResult r = MilpSolver().Solve(model, limits);
  std::printf("time-limited milp: %s after %.3f s, objective %.6g, bound %.6g, nodes %lld (%s)\n",
              SolveStatusName(r.status), r.solve_time_s, r.objective_s, r.bound_s,
              static_cast<long long>(r.nodes), r.note.c_str());
  EXPECT_TRUE(r.status == SolveStatus::kOptimal || r.status == SolveStatus::kFeasible ||
              r.status == SolveStatus::kNoSolution)
      << SolveStatusName(r.status);
  // CBC is stopped at its next event after the deadline; a single LP or
  // feasibility-pump pass on this ~26k-column model runs to its end, and the
  // machine may be shared, hence the generous margin.
  EXPECT_LT(r.solve_time_s, 3 * limits.time_limit_s + 2.0);
  if (r.plan) {
    EXPECT_TRUE(Evaluate(model, *r.plan).feasible());
    EXPECT_LE(r.bound_s, r.objective_s);
    EXPECT_GE(r.bound_s, 0);
  } else {
    EXPECT_EQ(r.status, SolveStatus::kNoSolution);
  }
}

// An item that fits nowhere is reported as infeasible with its name.
TEST(MilpSolver, NamesTheLayerThatFitsNowhere) {
  Problem problem = RandomProblem(FirstSeed());
  problem.cnns[0].layers[0].memory_bytes = int64_t{1} << 50;
  problem.shared.clear();
  const CostModel model(problem);
  const SolveResult r = MilpSolver().Solve(model, {});
  EXPECT_EQ(r.status, SolveStatus::kInfeasible);
  EXPECT_NE(r.note.find(problem.LayerName({0, 0})), std::string::npos) << r.note;
}

}  // namespace
}  // namespace distcnn
