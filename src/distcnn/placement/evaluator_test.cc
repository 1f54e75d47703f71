#include "distcnn/placement/evaluator.h"

#include <gtest/gtest.h>

#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/testing/line_problem.h"
#include "distcnn/placement/testing/random_problem.h"

namespace distcnn {
namespace {

TEST(Evaluator, HandComputedBreakdown) {
  Problem p = LineTestProblem();
  CostModel model(p);
  // A on u0, B on u2. p1 = 1, p2 = 0.5, g1 = 0.5, g2 = 0.5.
  Evaluation ev = Evaluate(model, Assignment{{{0, 2}}});
  ASSERT_TRUE(ev.feasible());
  const CnnLatency& l = ev.cnns[0];
  EXPECT_DOUBLE_EQ(l.source_s, 3 * 1);       // K_s x d(s, u0)
  EXPECT_DOUBLE_EQ(l.links_s, 0.5 * 5 * 2);  // p2 K_1 d(u0, u2)
  EXPECT_DOUBLE_EQ(l.processing_s, 20 / 10.0 + 0.5 * 30 / 10.0);
  EXPECT_DOUBLE_EQ(l.sink_s, 0.5 * 2 * 3 + 0.5 * 2 * 1);  // g1 D d(u0,f) + g2 D d(u2,f)
  EXPECT_DOUBLE_EQ(ev.objective_s, l.total_s());

  p.cost_convention = CostConvention::kPublishedV1;  // w1 = p2, w2 = 0
  CostModel v1(p);
  EXPECT_DOUBLE_EQ(Evaluate(v1, Assignment{{{0, 2}}}).cnns[0].processing_s, 0.5 * 20 / 10.0);
}

TEST(Evaluator, ReportsEveryViolatedLimit) {
  Problem p = LineTestProblem();
  p.max_layers_per_unit = 1;
  p.system.units[1].type.memory_bytes = 15;
  p.system.units[1].type.max_mults = 40;
  CostModel model(p);
  Evaluation ev = Evaluate(model, Assignment{{{1, 1}}});
  EXPECT_EQ(ev.violations.size(), 3u);                             // L, memory, max_mults
  EXPECT_FALSE(Evaluate(model, Assignment{{{0}}}).feasible());     // wrong size
  EXPECT_FALSE(Evaluate(model, Assignment{{{0, 9}}}).feasible());  // bad unit
}

TEST(Evaluator, SharedGroupCountsOnceAndMustStayTogether) {
  Problem p = LineTestProblem();
  Cnn second = p.cnns[0];
  second.name = "d";
  p.cnns.push_back(second);
  p.shared = {{LayerRef{0, 0}, LayerRef{1, 0}}};
  p.max_layers_per_unit = 2;
  p.system.units[0].type.memory_bytes = 20;
  CostModel model(p);
  EXPECT_TRUE(Evaluate(model, Assignment{{{0, 0}, {0, 2}}}).feasible());   // A once + c.B
  EXPECT_FALSE(Evaluate(model, Assignment{{{0, 2}, {2, 2}}}).feasible());  // group split
}

TEST(BruteSolver, FindsTheHandOptimum) {
  Problem p = LineTestProblem();
  CostModel model(p);
  BruteSolver brute;
  SolveResult r = brute.Solve(model, {});
  ASSERT_EQ(r.status, SolveStatus::kOptimal);
  // Enumerate by hand: every pair of units.
  double best = 1e300;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) best = std::min(best, Evaluate(model, {{{a, b}}}).objective_s);
  EXPECT_DOUBLE_EQ(r.objective_s, best);
}

TEST(RandomProblem, IsValidAndDeterministic) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Problem a = RandomProblem(seed);
    Problem b = RandomProblem(seed);
    ASSERT_TRUE(ValidateProblem(a).ok()) << "seed " << seed << ": " << ValidateProblem(a).message();
    EXPECT_EQ(a.num_units(), b.num_units());
    EXPECT_EQ(a.cnns.size(), b.cnns.size());
  }
}

}  // namespace
}  // namespace distcnn
