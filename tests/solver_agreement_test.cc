// Cross-check of every solver behind MakeSolver(): on seeded random instances
// "exact", "milp" and (where units^items is small) "brute" must agree on the
// optimal latency as re-evaluated by the evaluator, or all prove infeasibility,
// and every returned plan must be feasible. Seeds start at 1 (override with
// DISTCNN_TEST_SEED); a failure names its seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "distcnn/placement/solver.h"
#include "distcnn/placement/testing/random_problem.h"

namespace distcnn {
namespace {

// "milp" exists only when built with CBC (DISTCNN_WITH_CBC); "exact" always.
#ifdef DISTCNN_HAVE_CBC
constexpr bool kHaveMilp = true;
#else
constexpr bool kHaveMilp = false;
#endif

constexpr int kInstances = 320;
constexpr double kBruteLimit = 1e6;  // largest units^items given to brute

uint64_t FirstSeed() {
  const char* env = std::getenv("DISTCNN_TEST_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 1;
}

bool Close(double a, double b) {
  return std::abs(a - b) <= 1e-6 * std::max({1e-12, std::abs(a), std::abs(b)});
}

struct Named {
  std::string name;
  std::unique_ptr<Solver> solver;
};

TEST(SolverAgreement, AllSolversAgreeOnRandomInstances) {
  std::vector<Named> solvers;
  for (const char* name : {"exact", "milp"}) {
    Result<std::unique_ptr<Solver>> made = MakeSolver(name);
    if (!made.ok()) {
      ASSERT_TRUE(std::string(name) == "milp" && !kHaveMilp) << made.status().message();
      std::printf("solver '%s' is not built: %s\n", name, made.status().message().c_str());
      continue;
    }
    solvers.push_back({name, std::move(made).value()});
  }
  Result<std::unique_ptr<Solver>> brute = MakeSolver("brute");
  ASSERT_TRUE(brute.ok());

  std::map<std::string, int> features;
  std::map<std::string, double> seconds;  // informational only
  int optimal = 0, infeasible = 0, brute_checked = 0;
  const uint64_t first = FirstSeed();
  for (uint64_t seed = first; seed < first + kInstances; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem problem = RandomProblem(seed);
    const CostModel model(problem);

    std::vector<std::pair<std::string, SolveResult>> results;
    for (Named& s : solvers) results.emplace_back(s.name, s.solver->Solve(model, {}));
    const double candidates =
        std::pow(static_cast<double>(model.num_units()), static_cast<double>(model.items().size()));
    if (candidates <= kBruteLimit) {
      results.emplace_back("brute", (*brute)->Solve(model, {}));
      ++brute_checked;
    }

    const SolveResult& reference = results[0].second;
    ASSERT_TRUE(reference.status == SolveStatus::kOptimal ||
                reference.status == SolveStatus::kInfeasible)
        << results[0].first << ": " << SolveStatusName(reference.status) << " " << reference.note;
    double reference_latency = 0;
    if (reference.status == SolveStatus::kOptimal) {
      ASSERT_TRUE(reference.plan.has_value());
      reference_latency = Evaluate(model, *reference.plan).objective_s;
    }
    for (const auto& [name, r] : results) {
      SCOPED_TRACE("solver " + name);
      EXPECT_EQ(r.status, reference.status)
          << SolveStatusName(r.status) << " vs " << results[0].first << " "
          << SolveStatusName(reference.status) << "; note: " << r.note;
      if (r.status == SolveStatus::kOptimal && r.plan) {
        const Evaluation ev = Evaluate(model, *r.plan);
        EXPECT_TRUE(ev.feasible()) << (ev.violations.empty() ? "" : ev.violations[0]);
        EXPECT_TRUE(Close(ev.objective_s, reference_latency))
            << ev.objective_s << " vs " << reference_latency;
        EXPECT_TRUE(Close(r.objective_s, ev.objective_s));
      }
      if (r.status == SolveStatus::kInfeasible) {
        EXPECT_FALSE(r.plan.has_value());
      }
      seconds[name] += r.solve_time_s;
    }
    (reference.status == SolveStatus::kOptimal ? optimal : infeasible) += 1;

    features[std::to_string(problem.cnns.size()) + " cnn(s)"] += 1;
    features[problem.num_units() <= 6 ? "2-6 units" : "7-12 units"] += 1;
    if (problem.max_layers_per_unit > 0) features["layer limit L"] += 1;
    bool tight_memory = false, max_mults = false, exits = false;
    for (const Unit& u : problem.system.units) {
      tight_memory |= u.type.memory_bytes < 1000000;
      max_mults |= std::isfinite(u.type.max_mults);
    }
    for (const Cnn& c : problem.cnns) {
      for (const Layer& l : c.layers) exits |= l.exit_prob > 0;
    }
    if (tight_memory) features["memory limits"] += 1;
    if (max_mults) features["max_mults"] += 1;
    if (exits) features["exits"] += 1;
    if (!problem.shared.empty()) features["shared layers"] += 1;
    features[problem.objective == Objective::kMax ? "objective max" : "objective sum"] += 1;
    features[problem.cost_convention == CostConvention::kPaper ? "convention paper"
                                                               : "convention published-v1"] += 1;
  }

  std::string names;
  for (const Named& s : solvers) names += s.name + " ";
  std::printf(
      "solver agreement over seeds %llu..%llu (%s+ brute where units^items <= %.0g): "
      "%d agreed optimal, %d agreed infeasible, %d brute-checked\n",
      static_cast<unsigned long long>(first),
      static_cast<unsigned long long>(first + kInstances - 1), names.c_str(), kBruteLimit, optimal,
      infeasible, brute_checked);
  for (const auto& [feature, count] : features) std::printf("  %-26s %d\n", feature.c_str(), count);
  for (const auto& [name, s] : seconds) std::printf("  total %-20s %.2f s\n", name.c_str(), s);

  EXPECT_GE(optimal + infeasible, 300);
  EXPECT_GE(brute_checked, 100);
  EXPECT_GE(infeasible, 10);
  for (const char* f : {"layer limit L", "memory limits", "max_mults", "exits", "shared layers",
                        "objective max", "objective sum", "convention paper",
                        "convention published-v1", "1 cnn(s)", "2 cnn(s)", "3 cnn(s)"}) {
    EXPECT_GE(features[f], 10) << f;
  }
}

// More layers than units x L: every solver proves it, and `exact` by counting,
// before any search (it used to search forever). Random instances, grown to
// 1-3 layers more than the slots, for L = 1..4.
TEST(SolverAgreement, MoreLayersThanSlotsIsProvenInfeasibleForEveryL) {
  std::vector<Named> solvers;
  for (const char* name : {"exact", "milp", "brute"}) {
    Result<std::unique_ptr<Solver>> made = MakeSolver(name);
    if (made.ok()) solvers.push_back({name, std::move(made).value()});
  }
  int checked = 0;
  for (int L = 1; L <= 4; ++L) {
    for (uint64_t seed = FirstSeed(); seed < FirstSeed() + 10; ++seed) {
      SCOPED_TRACE("L " + std::to_string(L) + " seed " + std::to_string(seed));
      Problem problem = RandomProblem(seed, {2, 6, 2, 4});
      problem.max_layers_per_unit = L;
      const int slots = problem.num_units() * L;
      const int extra = 1 + static_cast<int>(seed % 3);
      // Grow CNN 0 with plain copies of its first layer until items exceed the slots.
      while (static_cast<int>(CostModel(problem).items().size()) < slots + extra) {
        Layer copy = problem.cnns[0].layers[0];
        copy.name = "X" + std::to_string(problem.cnns[0].layers.size());
        copy.exit_prob = 0;
        problem.cnns[0].layers.insert(problem.cnns[0].layers.begin() + 1, copy);
        for (auto& group : problem.shared) {
          for (LayerRef& r : group) r.layer += r.cnn == 0 && r.layer >= 1;
        }
      }
      ASSERT_TRUE(ValidateProblem(problem).ok());
      const CostModel model(problem);
      for (Named& s : solvers) {
        if (s.name == "brute" && std::pow(static_cast<double>(model.num_units()),
                                          static_cast<double>(model.items().size())) > 1e6) {
          continue;
        }
        SolveOptions options;
        options.time_limit_s = 60;  // a guard: every solver should prove it at once
        const SolveResult r = s.solver->Solve(model, options);
        EXPECT_EQ(r.status, SolveStatus::kInfeasible) << s.name << ": " << r.note;
        if (s.name == "exact") {
          EXPECT_EQ(r.nodes, 0) << r.note;
          EXPECT_NE(
              r.note.find("proven before search: max_layers_per_unit L = " + std::to_string(L)),
              std::string::npos)
              << r.note;
        }
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 40);
}

}  // namespace
}  // namespace distcnn
