// The twins of split planning: on seeded random scenarios built from zoo
// models (lenet5, cnn5, cnn5-gc, alexnet-2class) on 2-8 units of mixed types,
// with partitioning on, L and memory limits and early exits, `exact` agrees
// with every other solver that plans splits (milp; brute where the plan space
// is small enough to enumerate): the same status and the same optimum within
// 1e-6 relative, and every returned plan passes the evaluator. Scenarios go
// through the real loader (so the split figures are the model graph's).
// Seeds 1..DISTCNN_SPLIT_SEEDS (default 120; the `long` test runs 400); a
// failure names its seed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "distcnn/base/rng.h"
#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/solver.h"
#include "distcnn/scenario/scenario_loader.h"

namespace distcnn {
namespace {

struct ZooCnn {
  const char* model;
  const char* gate;         // its gate layer, or nullptr
  int64_t largest_weights;  // bytes of its largest layer
};

const ZooCnn kCnns[] = {
    {"lenet5", nullptr, 192480},
    {"cnn5", nullptr, 4816896},
    {"cnn5-gc", "GC", 19570180},
    {"alexnet-2class", nullptr, 151011328},
};

// A scenario whose units hold between 40 % and 130 % of the CNNs' largest
// layer, so that some layers must be split and others may be.
// `small`: one CNN of lenet5 or cnn5 on 2-3 units with at most 2 parts of 2
// granules, so that brute force can enumerate the plan space.
std::string RandomScenario(uint64_t seed, bool small) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + (small ? 7 : 99));
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(rng.Below(hi - lo + 1)); };
  const int num_cnns = !small && rng.Bernoulli(0.25) ? 2 : 1;
  std::vector<ZooCnn> cnns;
  for (int c = 0; c < num_cnns; ++c) {
    // AlexNet only alone, and only on small systems: its options multiply.
    const int limit = small ? 1 : num_cnns == 2 ? 2 : 3;
    cnns.push_back(kCnns[rng.Below(limit + 1)]);
  }
  int64_t largest = 0;
  for (const ZooCnn& z : cnns) largest = std::max(largest, z.largest_weights);
  const bool alexnet = largest > 100'000'000;
  const int n = small ? pick(2, 3) : pick(2, alexnet ? 4 : 6);
  std::string s = "name: split-agreement-" + std::to_string(seed) + "\n";
  s += rng.Bernoulli(0.5) ? "technology: {rate_bps: 72.2e6}\n" : "technology: {rate_bps: 7.2e6}\n";
  if (rng.Bernoulli(0.4)) s += "max_layers_per_unit: " + std::to_string(pick(2, 4)) + "\n";
  s += "device_types:\n";
  const double speeds[] = {40e6, 300e6, 480e6, 560e6};
  for (int t = 0; t < 3; ++t) {
    const int64_t memory =
        static_cast<int64_t>(static_cast<double>(largest) * rng.Uniform(0.4, 1.3));
    s += "  t" + std::to_string(t) + ": {memory_bytes: " + std::to_string(memory) +
         ", mults_per_s: " + std::to_string(speeds[rng.Below(4)]) + "}\n";
  }
  s += "units:\n";
  for (int i = 0; i < n; ++i) {
    s += "  - {id: u" + std::to_string(i) + ", type: t" + std::to_string(rng.Below(3)) + "}\n";
  }
  // A random tree plus a few extra links.
  s += "links:\n";
  for (int i = 1; i < n; ++i) {
    s += "  - [u" + std::to_string(i) + ", u" + std::to_string(rng.Below(i)) + "]\n";
  }
  for (int i = 0; i < n; ++i) {
    for (int k = i + 2; k < n; ++k) {
      if (rng.Bernoulli(0.2)) s += "  - [u" + std::to_string(i) + ", u" + std::to_string(k) + "]\n";
    }
  }
  s += "sources:\n  - {id: cam, at: u" + std::to_string(rng.Below(n)) + "}\n";
  s += "sinks:\n  - {id: hub, at: u" + std::to_string(rng.Below(n)) + "}\n";
  std::string kinds;
  for (const char* k : {"out_channels", "in_channels", "fused", "spatial"}) {
    if (rng.Bernoulli(0.75)) kinds += std::string(kinds.empty() ? "" : ", ") + k;
  }
  if (kinds.empty()) kinds = "out_channels";
  s += "partitioning: {kinds: [" + kinds +
       "], max_parts: " + std::to_string(small ? 2 : pick(2, 3)) +
       ", granules: " + std::to_string(small ? 2 : pick(2, 4)) +
       (rng.Bernoulli(0.3) ? ", shares: equal" : "") + "}\n";
  s += "cnns:\n";
  for (int c = 0; c < num_cnns; ++c) {
    s += "  - {name: c" + std::to_string(c) + ", source: cam, model: zoo:" + cnns[c].model;
    if (cnns[c].gate) {
      s += ", exits: {" + std::string(cnns[c].gate) + ": " + std::to_string(rng.Uniform(0.2, 0.9)) +
           "}";
    }
    s += "}\n";
  }
  return s;
}

int SeedCount() {
  const char* env = std::getenv("DISTCNN_SPLIT_SEEDS");
  return env ? std::max(1, std::atoi(env)) : 120;
}

struct Tally {
  int seeds = 0, optimal = 0, infeasible = 0, stopped = 0, with_split = 0;
  std::map<std::string, int> compared_with;  // solver -> instances compared
  std::map<std::string, int> kind_optima;    // kind -> optima that use it
};

// Solves seeds 1..t->seeds with exact and every other solver that plans
// splits (milp; brute where it can enumerate), comparing them; tallies into t.
void Compare(bool small, Tally* t) {
  std::vector<std::unique_ptr<Solver>> others;
  others.push_back(std::move(MakeSolver("milp")).value());
  others.push_back(std::make_unique<BruteSolver>(small ? 6e5 : 2e5));
  std::unique_ptr<Solver> exact = std::move(MakeSolver("exact")).value();
  for (int seed = 1; seed <= t->seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::string text = RandomScenario(static_cast<uint64_t>(seed), small);
    Result<Scenario> scenario = LoadScenarioText(text, "random.yaml");
    ASSERT_TRUE(scenario.ok()) << scenario.status().message() << "\n" << text;
    const CostModel model(scenario->problem);
    SolveOptions options;
    options.time_limit_s = 30;
    const SolveResult e = exact->Solve(model, options);
    if (e.status == SolveStatus::kFeasible || e.status == SolveStatus::kNoSolution) {
      std::printf("seed %d: exact stopped at the time limit (%s)\n", seed, e.note.c_str());
      ++t->stopped;
      continue;
    }
    if (e.status == SolveStatus::kInfeasible) {
      ++t->infeasible;
    } else {
      ++t->optimal;
      ASSERT_TRUE(e.plan.has_value());
      EXPECT_TRUE(Evaluate(model, *e.plan).feasible());
      std::set<std::string> kinds;
      for (int c = 0; c < e.plan->num_cnns(); ++c) {
        for (int j = 0; j < e.plan->num_layers(c); ++j) {
          const PartitionKind k = e.plan->placement(c, j).kind;
          if (k != PartitionKind::kWhole) kinds.insert(PartitionKindName(k));
        }
      }
      t->with_split += kinds.empty() ? 0 : 1;
      for (const std::string& k : kinds) ++t->kind_optima[k];
    }
    for (const auto& other : others) {
      const SolveResult o = other->Solve(model, options);
      if (o.status == SolveStatus::kNoSolution || o.status == SolveStatus::kFeasible) continue;
      SCOPED_TRACE(std::string(other->name()));
      ++t->compared_with[std::string(other->name())];
      ASSERT_EQ(SolveStatusName(o.status), SolveStatusName(e.status)) << o.note << "\n" << text;
      if (o.status != SolveStatus::kOptimal) continue;
      EXPECT_TRUE(Evaluate(model, *o.plan).feasible());
      EXPECT_NEAR(o.objective_s, e.objective_s, 1e-6 * e.objective_s) << text;
    }
  }
}

void Print(const char* what, const Tally& t) {
  std::printf(
      "%s: seeds %d: optimal %d, infeasible %d, exact stopped %d, optima with a split %d;"
      " compared with",
      what, t.seeds, t.optimal, t.infeasible, t.stopped, t.with_split);
  for (const auto& [name, n] : t.compared_with) std::printf(" %s %d", name.c_str(), n);
  std::printf("; optima per kind:");
  for (const auto& [k, n] : t.kind_optima) std::printf(" %s %d", k.c_str(), n);
  std::printf("\n");
}

// Up to two CNNs of the four, 2-6 units, 2-3 parts, 2-4 granules: exact
// against milp (and brute where it can enumerate).
TEST(SplitAgreement, ExactAgreesWithMilp) {
  Tally t;
  t.seeds = SeedCount();
  Compare(false, &t);
  Print("zoo scenarios", t);
  EXPECT_GE(t.optimal + t.infeasible, t.seeds * 9 / 10);
  EXPECT_GE(t.compared_with["milp"], (t.optimal + t.infeasible) * 9 / 10);
  EXPECT_GE(t.with_split * 10, t.optimal * 4);  // at least 40 % of the optima split a layer
  if (t.seeds >= 300) {                         // the long set: every kind in at least 20 optima
    for (const char* k : {"out_channels", "in_channels", "fused", "spatial"}) {
      EXPECT_GE(t.kind_optima[k], 20) << k;
    }
  }
}

// One small CNN on 2-3 units, 2 parts of 2 granules: brute force enumerates
// every plan.
TEST(SplitAgreement, ExactAgreesWithBruteOnSmallScenarios) {
  Tally t;
  t.seeds = SeedCount() * 7 / 6;  // brute enumerates about 3 in 4 of them
  Compare(true, &t);
  Print("small zoo scenarios", t);
  EXPECT_EQ(t.stopped, 0);
  EXPECT_GE(t.compared_with["brute"], std::min(100, t.seeds * 2 / 3));
}

}  // namespace
}  // namespace distcnn
