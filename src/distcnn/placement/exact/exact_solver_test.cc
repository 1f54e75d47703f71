// Cross-checks ExactSolver against BruteSolver on seeded random problems, plus
// hand-made edge cases. Override the first seed with DISTCNN_TEST_SEED.
#include "distcnn/placement/exact/exact_solver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/testing/random_problem.h"
#include "distcnn/system/system_builder.h"

namespace distcnn {
namespace {

uint64_t FirstSeed() {
  const char* env = std::getenv("DISTCNN_TEST_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 1;
}

bool IsSolved(SolveStatus s) { return s == SolveStatus::kOptimal; }

// Checks that exact and brute agree on `problem`.
void ExpectAgree(const Problem& problem) {
  ASSERT_TRUE(ValidateProblem(problem).ok());
  CostModel model(problem);
  SolveResult brute = BruteSolver().Solve(model, {});
  SolveResult exact = ExactSolver().Solve(model, {});
  ASSERT_TRUE(brute.status == SolveStatus::kOptimal || brute.status == SolveStatus::kInfeasible)
      << brute.note;
  ASSERT_EQ(exact.status, brute.status) << exact.note;
  if (!IsSolved(brute.status)) {
    EXPECT_FALSE(exact.plan.has_value());
    return;
  }
  ASSERT_TRUE(exact.plan.has_value());
  EXPECT_TRUE(Evaluate(model, *exact.plan).feasible());
  EXPECT_NEAR(exact.objective_s, brute.objective_s, 1e-6 * brute.objective_s + 1e-12) << exact.note;
  EXPECT_EQ(exact.bound_s, exact.objective_s);
}

double Candidates(const Problem& p) {
  CostModel model(p);
  return std::pow(static_cast<double>(model.num_units()),
                  static_cast<double>(model.items().size()));
}

TEST(ExactSolverTest, AgreesWithBruteForceOnRandomProblems) {
  const RandomProblemOptions kShapes[] = {
      {2, 7, 2, 3},   // two small CNNs
      {2, 5, 3, 3},   // three CNNs, shared layers likely
      {2, 12, 1, 5},  // one longer chain
      {2, 9, 2, 4},
  };
  int compared = 0;
  int infeasible = 0;
  uint64_t seed = FirstSeed();
  for (; compared < 600; ++seed) {
    const RandomProblemOptions& shape = kShapes[seed % 4];
    Problem p = RandomProblem(seed, shape);
    if (Candidates(p) > 1e6) continue;
    SCOPED_TRACE("seed " + std::to_string(seed) + " shape " + std::to_string(seed % 4));
    ExpectAgree(p);
    if (HasFatalFailure() || HasFailure()) return;
    ++compared;
    infeasible += CostModel(p).num_units() > 0 &&
                  BruteSolver().Solve(CostModel(p), {}).status == SolveStatus::kInfeasible;
  }
  std::printf("compared %d random problems (%d infeasible), last seed %llu\n", compared, infeasible,
              static_cast<unsigned long long>(seed - 1));
}

TEST(ExactSolverTest, AgreesWithBruteForceOnMaxObjective) {
  int compared = 0;
  for (uint64_t seed = FirstSeed() + 100000; compared < 100; ++seed) {
    Problem p = RandomProblem(seed, {2, 6, 3, 3});
    p.objective = Objective::kMax;
    if (Candidates(p) > 1e5) continue;
    SCOPED_TRACE("seed " + std::to_string(seed));
    ExpectAgree(p);
    if (HasFailure()) return;
    ++compared;
  }
}

// A line of units u0 - u1 - ... with the source at the first and the sink at the last.
Problem LineProblem(int units, int cnns, int layers, int limit) {
  SystemSpec spec;
  spec.technology = Technology{"wifi4", 72.2e6, 7.5};
  for (int i = 0; i < units; ++i) {
    DeviceType t{"dev", 1000000, 1e8 * (1 + (i * 7) % 5)};
    spec.units.push_back(Unit{"u" + std::to_string(i), t, Position{0, 0}});
  }
  spec.sources.push_back({"s", std::nullopt, std::string("u0")});
  spec.sinks.push_back({"f", std::nullopt, "u" + std::to_string(units - 1)});
  std::vector<std::pair<std::string, std::string>> links;
  for (int i = 0; i + 1 < units; ++i)
    links.emplace_back("u" + std::to_string(i), "u" + std::to_string(i + 1));
  spec.links = links;
  Problem p;
  p.system = std::move(BuildSystem(spec)).value();
  for (int c = 0; c < cnns; ++c) {
    Cnn cnn;
    cnn.name = "c" + std::to_string(c);
    cnn.input_bytes = 20000;
    cnn.decision_bytes = 40;
    for (int j = 0; j < layers; ++j) {
      cnn.layers.push_back(Layer{"L" + std::to_string(j), 1000, 1e6 * (1 + (j * 3 + c) % 4),
                                 1000 * (10 + 7 * j), 0});
    }
    p.cnns.push_back(cnn);
  }
  p.max_layers_per_unit = limit;
  return p;
}

TEST(ExactSolverTest, LimitOneWithAsManyUnitsAsLayers) {
  Problem p = LineProblem(6, 1, 6, 1);
  ExpectAgree(p);
  CostModel model(p);
  SolveResult r = ExactSolver().Solve(model, {});
  ASSERT_EQ(r.status, SolveStatus::kOptimal);
  // Every unit holds exactly one layer.
  for (const UnitLoad& load : Evaluate(model, *r.plan).loads) EXPECT_EQ(load.items, 1);
}

TEST(ExactSolverTest, SharedGroupAcrossThreeCnns) {
  Problem p = LineProblem(5, 3, 3, 2);
  p.shared.push_back({LayerRef{0, 0}, LayerRef{1, 0}, LayerRef{2, 0}});
  p.cnns[0].layers[2].exit_prob = 0;  // keep groups identical
  for (int c = 1; c < 3; ++c) p.cnns[c].layers[0] = p.cnns[0].layers[0];
  ExpectAgree(p);
  CostModel model(p);
  SolveResult r = ExactSolver().Solve(model, {});
  ASSERT_EQ(r.status, SolveStatus::kOptimal);
  EXPECT_EQ(r.plan->OutputUnit(0, 0), r.plan->OutputUnit(1, 0));
  EXPECT_EQ(r.plan->OutputUnit(0, 0), r.plan->OutputUnit(2, 0));
}

// The relaxation keeps each chain from overloading a unit by itself (under L = 1:
// from revisiting a unit), counting a shared group once: its layers must sit
// together even within one CNN.
TEST(ExactSolverTest, SharedGroupWithinOneCnnUnderLayerLimit) {
  int compared = 0;
  for (uint64_t seed = FirstSeed() + 200000; compared < 100; ++seed) {
    Problem p = RandomProblem(seed, {4, 8, 2, 5});
    if (p.cnns[0].layers.size() < 3) continue;
    p.max_layers_per_unit = 1 + static_cast<int>(seed / 2 % 2);
    p.shared.clear();
    auto share = [&](LayerRef from, LayerRef to) {
      Layer& dst = p.cnns[to.cnn].layers[to.layer];
      const Layer& src = p.layer(from);
      dst.memory_bytes = src.memory_bytes;
      dst.mults = src.mults;
      dst.output_bytes = src.output_bytes;
    };
    const int last = static_cast<int>(p.cnns[0].layers.size()) - 1;
    std::vector<LayerRef> group = {LayerRef{0, 0}, LayerRef{0, last}};
    if (seed % 2 == 0) group.insert(group.begin() + 1, LayerRef{0, 1});  // consecutive members too
    if (p.cnns.size() > 1) group.push_back(LayerRef{1, 0});
    for (size_t g = 1; g < group.size(); ++g) share(group[0], group[g]);
    p.shared.push_back(group);
    if (Candidates(p) > 1e6) continue;
    SCOPED_TRACE("seed " + std::to_string(seed));
    ExpectAgree(p);
    if (HasFailure()) return;
    ++compared;
  }
}

TEST(ExactSolverTest, MaxObjectiveWithLimit) {
  Problem p = LineProblem(5, 2, 3, 1);
  p.objective = Objective::kMax;
  ExpectAgree(p);
}

TEST(ExactSolverTest, SourceCannotReachSinkIsInfeasible) {
  Problem p = LineProblem(4, 2, 2, 0);
  // Cut the line in the middle: CNN 0 runs from u0 to u3, which no unit reaches both.
  SystemSpec spec;
  spec.technology = Technology{"wifi4", 72.2e6, 7.5};
  for (int i = 0; i < 4; ++i) spec.units.push_back(p.system.units[i]);
  spec.sources.push_back({"s", std::nullopt, std::string("u0")});
  spec.sinks.push_back({"f", std::nullopt, std::string("u3")});
  spec.links = std::vector<std::pair<std::string, std::string>>{{"u0", "u1"}, {"u2", "u3"}};
  p.system = std::move(BuildSystem(spec)).value();
  CostModel model(p);
  SolveResult r = ExactSolver().Solve(model, {});
  EXPECT_EQ(r.status, SolveStatus::kInfeasible);
  EXPECT_FALSE(r.plan.has_value());
  ExpectAgree(p);
}

TEST(ExactSolverTest, TimeLimitReturnsValidBound) {
  // Large enough that a 1 ms limit usually interrupts the search.
  RandomProblemOptions shape{30, 30, 3, 8};
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Problem p = RandomProblem(seed, shape);
    p.max_layers_per_unit = 1;
    CostModel model(p);
    SolveOptions generous;
    generous.time_limit_s = 20;
    SolveResult full = ExactSolver().Solve(model, generous);
    SolveOptions quick;
    quick.time_limit_s = 1e-3;
    SolveResult r = ExactSolver().Solve(model, quick);
    if (full.status == SolveStatus::kInfeasible) {
      EXPECT_TRUE(r.status == SolveStatus::kInfeasible || r.status == SolveStatus::kNoSolution);
      continue;
    }
    ASSERT_EQ(full.status, SolveStatus::kOptimal) << full.note;
    EXPECT_LE(r.bound_s, full.objective_s * (1 + 1e-9)) << r.note;
    if (r.plan) {
      EXPECT_GE(r.objective_s, full.objective_s * (1 - 1e-9));
      EXPECT_LE(r.bound_s, r.objective_s);
      EXPECT_TRUE(Evaluate(model, *r.plan).feasible());
    }
  }
}

TEST(ExactSolverTest, RelativeGapIsRespected) {
  Problem p = RandomProblem(7, {20, 20, 3, 6});
  p.max_layers_per_unit = 1;
  CostModel model(p);
  SolveResult full = ExactSolver().Solve(model, {});
  SolveOptions loose;
  loose.relative_gap = 0.05;
  SolveResult r = ExactSolver().Solve(model, loose);
  if (full.status != SolveStatus::kOptimal) GTEST_SKIP() << "instance not feasible";
  ASSERT_TRUE(r.plan.has_value());
  EXPECT_LE(r.objective_s, full.objective_s * 1.05 + 1e-12);
  EXPECT_LE(r.bound_s, full.objective_s * (1 + 1e-9));
}

TEST(ExactSolverTest, Deterministic) {
  Problem p = RandomProblem(11, {10, 15, 3, 5});
  CostModel model(p);
  SolveResult a = ExactSolver().Solve(model, {});
  SolveResult b = ExactSolver().Solve(model, {});
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.plan, b.plan);
  EXPECT_EQ(a.nodes, b.nodes);
}

}  // namespace
}  // namespace distcnn

namespace distcnn {
namespace {

// With partitioning on, the split search agrees with brute force over the whole
// plan space (docs/cost-model.md) on random problems with split figures.
TEST(ExactSolverTest, SplitsAgreeWithBruteForce) {
  int compared = 0, with_split = 0, infeasible = 0;
  for (uint64_t seed = 1; seed <= 120; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Problem p = RandomProblem(seed, {2, 4, 2, 3});
    AddRandomSplits(seed, p);
    const CostModel model(p);
    const SolveResult brute = BruteSolver(3e5).Solve(model, {});
    if (brute.status == SolveStatus::kNoSolution) continue;  // too large to enumerate
    const SolveResult exact = ExactSolver().Solve(model, {});
    ASSERT_EQ(SolveStatusName(exact.status), SolveStatusName(brute.status)) << exact.note;
    ++compared;
    if (brute.status == SolveStatus::kInfeasible) {
      ++infeasible;
      continue;
    }
    ASSERT_TRUE(exact.plan.has_value());
    EXPECT_TRUE(Evaluate(model, *exact.plan).feasible());
    EXPECT_NEAR(exact.objective_s, brute.objective_s, 1e-9 * brute.objective_s + 1e-15)
        << exact.note;
    EXPECT_LE(exact.bound_s, exact.objective_s * (1 + 1e-9));
    with_split += exact.plan->all_whole() ? 0 : 1;
  }
  std::printf("compared %d (infeasible %d), optima with a split %d\n", compared, infeasible,
              with_split);
  EXPECT_GE(compared, 60);
  EXPECT_GE(with_split, 8);  // 12 of 92 at the time of writing
}

}  // namespace
}  // namespace distcnn
