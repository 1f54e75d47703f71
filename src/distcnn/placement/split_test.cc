// Split placements: the worked example of docs/cost-model.md term by term, the
// general evaluator against the assignment form on plans without splits, the
// plan-space checks of Plan::Make, and brute force with partitioning on.
#include <gtest/gtest.h>

#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/split_cost.h"
#include "distcnn/placement/testing/line_problem.h"
#include "distcnn/placement/testing/random_problem.h"

namespace distcnn {
namespace {

TEST(Split, WorkedExampleTermByTerm) {
  const Problem p = SplitWorkedExampleProblem();
  ASSERT_TRUE(ValidateProblem(p).ok());
  const CostModel model(p);
  Result<Plan> plan =
      Plan::Make(p, {{Placement{PartitionKind::kOutChannels, {Part{0, 1}, Part{1, 3}}, 0}}});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->PartUnits(0, 0), (std::vector<int64_t>{2, 6}));
  const Evaluation ev = Evaluate(model, *plan);
  ASSERT_TRUE(ev.feasible()) << ev.violations[0];
  const CnnLatency& l = ev.cnns[0];
  EXPECT_DOUBLE_EQ(l.source_s, 0);
  EXPECT_DOUBLE_EQ(l.scatter_s, 1000e-6);      // the whole input, one hop to u1
  EXPECT_DOUBLE_EQ(l.processing_s, 20000e-6);  // max(2e6 / 100e6, 6e6 / 300e6)
  EXPECT_DOUBLE_EQ(l.gather_s, 600e-6);        // u1's 6 filters x 100 bytes
  EXPECT_DOUBLE_EQ(l.sink_s, 0);               // the merge unit u0 holds the sink
  EXPECT_DOUBLE_EQ(ev.objective_s, 21600e-6);
  EXPECT_EQ(ev.loads[0].memory_bytes, 2000);
  EXPECT_EQ(ev.loads[1].memory_bytes, 6000);
  EXPECT_EQ(ev.loads[0].items, 1);
  EXPECT_EQ(ev.loads[1].items, 1);

  const Evaluation whole = Evaluate(model, Assignment{{{1}}});
  EXPECT_NEAR(whole.objective_s, 1000e-6 + 8e6 / 300e6 + 10e-6, 1e-15);

  // Brute force finds the split (or something better) over the whole space.
  const SolveResult r = BruteSolver().Solve(model, {});
  ASSERT_EQ(r.status, SolveStatus::kOptimal);
  EXPECT_LE(r.objective_s, 21600e-6 + 1e-15);
  EXPECT_FALSE(r.plan->all_whole());
}

TEST(Split, PlanSpaceIsChecked) {
  const Problem p = SplitWorkedExampleProblem();
  auto make = [&](Placement pl) { return Plan::Make(p, {{pl}}).status(); };
  EXPECT_FALSE(make({PartitionKind::kOutChannels, {Part{0, 2}, Part{1, 3}}, 0}).ok());  // sum 5
  EXPECT_FALSE(make({PartitionKind::kOutChannels, {Part{1, 1}, Part{0, 3}}, 0}).ok());  // order
  EXPECT_FALSE(make({PartitionKind::kOutChannels, {Part{0, 1}, Part{1, 3}}, 5}).ok());  // merge
  EXPECT_FALSE(make({PartitionKind::kOutChannels, {Part{0, 4}}, 0}).ok());              // one part
  EXPECT_FALSE(make({PartitionKind::kInChannels, {Part{0, 1}, Part{1, 3}}, 0}).ok());   // kind
  const Status s = make({PartitionKind::kOutChannels, {Part{0, 0}, Part{1, 4}}, 0});
  EXPECT_NE(s.message().find("c.conv"), std::string::npos) << s.message();
  Problem off = p;
  off.cnns[0].partitioning = {};
  EXPECT_FALSE(
      Plan::Make(off, {{Placement{PartitionKind::kOutChannels, {Part{0, 1}, Part{1, 3}}, 0}}})
          .ok());
}

TEST(Split, SplitUnitCounts) {
  EXPECT_EQ(SplitUnitCounts(8, {1, 3}), (std::vector<int64_t>{2, 6}));
  EXPECT_EQ(SplitUnitCounts(10, {1, 1, 1}), (std::vector<int64_t>{3, 3, 4}));
  EXPECT_EQ(SplitUnitCounts(2, {1, 2}), (std::vector<int64_t>{0, 2}));
}

// The general evaluator prices plans without splits exactly as the assignment
// form does (the contract's model), on random problems solved by brute force.
TEST(Split, GeneralEvaluatorMatchesAssignmentForm) {
  int compared = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem p = RandomProblem(seed, {2, 5, 2, 4});
    const CostModel model(p);
    const SolveResult r = BruteSolver().Solve(model, {});
    if (!r.plan) continue;
    const Evaluation a = Evaluate(model, r.plan->ToAssignment());
    const Evaluation g = EvaluateGeneral(model, *r.plan);
    ASSERT_EQ(a.feasible(), g.feasible());
    EXPECT_EQ(a.objective_s, g.objective_s);  // bit for bit
    for (size_t c = 0; c < a.cnns.size(); ++c) {
      EXPECT_EQ(a.cnns[c].source_s, g.cnns[c].source_s);
      EXPECT_EQ(a.cnns[c].links_s, g.cnns[c].links_s);
      EXPECT_EQ(a.cnns[c].processing_s, g.cnns[c].processing_s);
      EXPECT_EQ(a.cnns[c].sink_s, g.cnns[c].sink_s);
    }
    for (size_t u = 0; u < a.loads.size(); ++u) {
      EXPECT_EQ(a.loads[u].items, g.loads[u].items);
      EXPECT_EQ(a.loads[u].memory_bytes, g.loads[u].memory_bytes);
    }
    ++compared;
  }
  EXPECT_GE(compared, 30);
}

// Random problems whose layers may be split (channel-proportional figures):
// the plan space with partitioning contains the one without, so brute force
// never does worse with it, and every plan it returns is in the space and
// feasible.
TEST(Split, PartitioningNeverHurtsAndPlansAreValid) {
  int split_optima = 0, solved = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Problem p = RandomProblem(seed, {2, 3, 1, 3});
    p.shared.clear();
    const SolveResult off = BruteSolver().Solve(CostModel(p), {});
    for (Cnn& cnn : p.cnns) {
      cnn.partitioning = {{PartitionKind::kOutChannels, PartitionKind::kInChannels}, 2, 2};
      int64_t input = cnn.input_bytes;
      for (Layer& l : cnn.layers) {
        LayerSplit s;
        s.out_units = s.in_units = 4;
        s.out_part_memory_bytes = s.in_part_memory_bytes = l.memory_bytes;
        s.out_part_mults = s.in_part_mults = l.mults;
        s.out_part_output_bytes = s.partial_sum_bytes = l.output_bytes;
        s.input_bytes = input;
        input = l.output_bytes;
        l.split = s;
      }
    }
    const CostModel model(p);
    const SolveResult on = BruteSolver().Solve(model, {});
    ASSERT_TRUE((on.status == SolveStatus::kOptimal) || on.status == SolveStatus::kInfeasible)
        << on.note;
    if ((off.status == SolveStatus::kOptimal)) {
      ASSERT_TRUE((on.status == SolveStatus::kOptimal));
      EXPECT_LE(on.objective_s, off.objective_s * (1 + 1e-12));
    }
    if (!(on.status == SolveStatus::kOptimal)) continue;
    ++solved;
    const Evaluation ev = EvaluateGeneral(model, *on.plan);
    EXPECT_TRUE(ev.feasible());
    EXPECT_DOUBLE_EQ(ev.objective_s, on.objective_s);
    split_optima += on.plan->all_whole() ? 0 : 1;
  }
  EXPECT_GE(solved, 20);
  EXPECT_GE(split_optima, 3);
}

// A spatial stack of two layers on the worked example's two units: a 3x3
// conv (one row of padding, 8 rows, 1e6 mults per output row) and a 2x2 pool
// (8 -> 4 rows, no mults), then a whole fc layer. Shares 1:1 of the pool's 4
// rows, merge u0 (which holds the source):
//   part 0: pool rows 0-1 <- conv rows 0-3 <- input rows 0-4 (the top padding
//   kept, one halo row below); part 1: pool rows 2-3 <- conv rows 4-7 <-
//   input rows 3-7.
//   scatter: u1's band, 5 rows x 100 bytes, one hop: 500 us;
//   compute: max(4e6 / 100e6, 4e6 / 300e6) = 40,000 us;
//   gather: u1's 2 pool rows x 50 bytes to u0: 100 us.
Problem SpatialProblem() {
  Problem p = SplitWorkedExampleProblem();
  Cnn& c = p.cnns[0];
  c.input_bytes = 800;  // 8 rows of 100 bytes
  LayerSplit conv, pool;
  conv.row_ops = {RowWindow{3, 1, 1, 8, 8, 1e6}};
  conv.out_part_memory_bytes = 3000;
  conv.input_row_bytes = 100;
  conv.output_row_bytes = 200;
  pool.row_ops = {RowWindow{2, 2, 0, 8, 4, 0}};
  pool.input_row_bytes = 200;
  pool.output_row_bytes = 50;
  c.layers = {Layer{"conv", 3000, 8e6, 1600, 0, conv}, Layer{"pool", 0, 0, 200, 0, pool},
              Layer{"fc", 100, 1e6, 10, 0, std::nullopt}};
  c.partitioning = {{PartitionKind::kSpatial}, 2, 2};
  return p;
}

TEST(Split, SpatialStackTermByTerm) {
  const Problem p = SpatialProblem();
  ASSERT_TRUE(ValidateProblem(p).ok());
  const CostModel model(p);
  const Placement band{PartitionKind::kSpatial, {Part{0, 1}, Part{1, 1}}, 0};
  Result<Plan> plan = Plan::Make(p, {{band, band, Placement{PartitionKind::kWhole, {Part{0}}}}});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->PartUnits(0, 0), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(plan->SpanFirst(0, 1), 0);
  EXPECT_EQ(plan->SpanLast(0, 0), 1);
  EXPECT_FALSE(plan->SpanEnds(0, 0));
  const Evaluation ev = Evaluate(model, *plan);
  ASSERT_TRUE(ev.feasible()) << ev.violations[0];
  const CnnLatency& l = ev.cnns[0];
  EXPECT_DOUBLE_EQ(l.scatter_s, 500e-6);
  EXPECT_DOUBLE_EQ(l.gather_s, 100e-6);
  EXPECT_DOUBLE_EQ(l.processing_s, 40000e-6 + 1e6 / 100e6);  // the bands, then fc on u0
  EXPECT_DOUBLE_EQ(l.links_s, 0);                            // the merge unit runs fc
  // Each part holds both layers' weights and counts both toward L.
  EXPECT_EQ(ev.loads[1].memory_bytes, 3000);
  EXPECT_EQ(ev.loads[1].items, 2);
  EXPECT_EQ(ev.loads[0].items, 3);
  EXPECT_DOUBLE_EQ(ev.loads[1].mults, 4e6);

  // Brute force, exact and the options agree that this space holds the plan.
  const SolveResult r = BruteSolver().Solve(model, {});
  ASSERT_EQ(r.status, SolveStatus::kOptimal);
  EXPECT_LE(r.objective_s, ev.objective_s + 1e-15);
}

TEST(Split, SpatialStacksStartTheCnnAndAgree) {
  const Problem p = SpatialProblem();
  const Placement band{PartitionKind::kSpatial, {Part{0, 1}, Part{1, 1}}, 0};
  const Placement other{PartitionKind::kSpatial, {Part{0, 1}, Part{1, 1}}, 1};
  const Placement whole{PartitionKind::kWhole, {Part{0}}};
  auto make = [&](std::vector<Placement> layers) { return Plan::Make(p, {layers}).status(); };
  EXPECT_TRUE(make({band, whole, whole}).ok());  // a stack of one layer
  const Status late = make({whole, band, whole});
  EXPECT_NE(late.message().find("first layer"), std::string::npos) << late.message();
  const Status mixed = make({band, other, whole});
  EXPECT_NE(mixed.message().find("same parts"), std::string::npos) << mixed.message();
  EXPECT_FALSE(make({band, band, band}).ok());  // fc keeps no rows
}

}  // namespace
}  // namespace distcnn
