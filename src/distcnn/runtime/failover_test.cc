// Failover on the in-process transport (issue 14, item 3): the coordinator
// and every vertex run in this process, each vertex's transport behind a
// FaultTransport that drops, duplicates and delays messages, and a unit's
// failure cuts it off (a partition). Outcomes are deterministic: every frame
// is decided once and in order, and each failure is detected and recovered.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "distcnn/kernels/registry.h"
#include "distcnn/placement/solver.h"
#include "distcnn/runtime/cnn_program.h"
#include "distcnn/runtime/coordinator.h"
#include "distcnn/runtime/run_report.h"
#include "distcnn/scenario/scenario_loader.h"
#include "distcnn/transport/fault/fault_transport.h"
#include "distcnn/transport/inproc/inproc_transport.h"

namespace distcnn::runtime {
namespace {

using transport::FaultPlan;
using transport::FaultRule;
using transport::FaultTransport;
using transport::MessageKind;

constexpr int kFrames = 120;

Result<Replan> Solve(const Problem& problem, const Plan&) {
  ASSIGN_OR_RETURN(std::unique_ptr<Solver> solver, MakeSolver("exact"));
  SolveResult r = solver->Solve(CostModel(problem), SolveOptions{});
  if (!r.plan) return Status(StatusCode::kNotFound, "no plan: " + r.note);
  return Replan{*std::move(r.plan), r.objective_s, SolveStatusName(r.status)};
}

// Lossy, duplicating, delaying links for the frames' data (decisions and
// tensors); control messages pass untouched, so no healthy node is declared
// failed.
FaultPlan LossyData(uint64_t seed) {
  FaultPlan plan;
  plan.seed = seed;
  for (MessageKind kind : {MessageKind::kTensor, MessageKind::kDecision}) {
    FaultRule rule;
    rule.kind = kind;
    rule.drop = 0.01;
    rule.duplicate = 0.03;
    rule.delay = 0.05;
    rule.delay_duration = std::chrono::milliseconds(20);
    plan.rules.push_back(rule);
  }
  return plan;
}

// What a run should decide the same way every time.
struct Outcome {
  uint64_t handed_on = 0;
  int received = 0;
  size_t missing = 0;
  std::vector<std::string> failovers;  // "unit: outcome"
  bool ok = false;
  bool operator==(const Outcome&) const = default;
};

struct Harness {
  transport::InprocNetwork network;
  std::vector<std::unique_ptr<transport::Transport>> endpoints;  // behind the decorators
  std::map<PeerId, FaultTransport*> links;                       // owned by the run
  transport::FaultCounters Totals() const {
    transport::FaultCounters total;
    for (const auto& [vertex, link] : links) {
      const transport::FaultCounters c = link->counters();
      total.dropped += c.dropped;
      total.duplicated += c.duplicated;
      total.delayed += c.delayed;
      total.partitioned += c.partitioned;
    }
    return total;
  }
};

Outcome RunPaperSingleCnn(uint64_t seed, std::vector<FaultInjection> faults, Harness& h) {
  Result<Scenario> scenario =
      LoadScenarioFile(std::string(DISTCNN_SOURCE_DIR) + "/examples/paper-single-cnn.yaml");
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  const Problem& problem = scenario->problem;
  Result<Replan> first = Solve(problem, Plan{});
  EXPECT_TRUE(first.ok()) << first.status().message();
  const Evaluation predicted = Evaluate(CostModel(problem), first->plan);
  RunModels models;
  models.programs = LoadCnnPrograms(*scenario).value();

  RunOptions options;
  options.frames = kFrames;
  options.in_flight = 4;
  options.calibration_frames = 0;
  options.kernels = &ReferenceKernels();
  options.heartbeat_timeout = std::chrono::milliseconds(500);
  options.frame_timeout = std::chrono::milliseconds(400);
  options.frame_resends = 5;
  options.faults = std::move(faults);
  options.replan = Solve;
  if (std::getenv("DISTCNN_TEST_VERBOSE")) {
    options.progress = [](const std::string& line) {
      std::fprintf(stderr, "run: %s\n", line.c_str());
    };
  }
  const FaultPlan plan = LossyData(seed);
  options.in_process_transports =
      [&](PeerId vertex) -> Result<std::unique_ptr<transport::Transport>> {
    ASSIGN_OR_RETURN(std::unique_ptr<transport::Transport> endpoint, h.network.Attach(vertex));
    auto link = std::make_unique<FaultTransport>(endpoint.get(), plan);
    h.links[vertex] = link.get();
    h.endpoints.push_back(std::move(endpoint));
    return std::unique_ptr<transport::Transport>(std::move(link));
  };
  // A failed unit is cut off from everyone: silent, as a dead device is.
  options.in_process_fault = [&](PeerId vertex, FaultAction) {
    std::set<PeerId> everyone;
    for (const auto& [peer, link] : h.links) {
      if (peer != vertex) everyone.insert(peer);
    }
    h.links.at(vertex)->Partition(everyone);
  };
  Result<RunReport> report = RunPlan(problem, first->plan, std::move(models), predicted, options);
  EXPECT_TRUE(report.ok()) << report.status().message();
  Outcome out;
  if (!report.ok()) return out;
  if (std::getenv("DISTCNN_TEST_VERBOSE"))
    std::fprintf(stderr, "%s", RunReportText(*report).c_str());
  const CnnRunReport& cnn = report->cnns.at(0);
  out.handed_on = cnn.handed_on;
  out.received = cnn.frames_received;
  out.missing = cnn.missing.size();
  for (const FailoverRecord& f : report->failovers)
    out.failovers.push_back(f.unit + ": " + f.outcome);
  out.ok = report->ok();
  for (const std::string& f : report->failures) ADD_FAILURE() << f;
  return out;
}

TEST(InProcessFailover, LossyLinksStillDecideEveryFrameOnceInOrder) {
  Harness h;
  const Outcome out = RunPaperSingleCnn(11, {}, h);
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.received, kFrames);
  EXPECT_EQ(out.handed_on, kFrames + 1u);  // with the warm-up frame
  EXPECT_EQ(out.missing, 0u);
  EXPECT_TRUE(out.failovers.empty());
  const transport::FaultCounters faults = h.Totals();
  EXPECT_GT(faults.dropped, 0u);  // the faults happened, and were survived
  EXPECT_GT(faults.duplicated, 0u);
  EXPECT_GT(faults.delayed, 0u);
}

TEST(InProcessFailover, ACutOffUnitIsReplacedWithoutLosingAFrame) {
  Harness h;
  // n07 runs L1 in the optimum; cut off after 40 decisions.
  const Outcome out = RunPaperSingleCnn(12, {{"n07", 40, FaultAction::kKill}}, h);
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.handed_on, kFrames + 1u);
  EXPECT_EQ(out.missing, 0u);
  EXPECT_EQ(out.failovers, std::vector<std::string>{"n07: recovered"});
  EXPECT_GT(h.Totals().partitioned, 0u);
}

TEST(InProcessFailover, TwoFailuresAndTheSameSeedGiveTheSameOutcome) {
  const std::vector<FaultInjection> faults = {{"n07", 30, FaultAction::kKill},
                                              {"n02", 70, FaultAction::kStop}};
  Harness first_links;
  const Outcome first = RunPaperSingleCnn(13, faults, first_links);
  Harness second_links;
  const Outcome second = RunPaperSingleCnn(13, faults, second_links);
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.handed_on, kFrames + 1u);
  EXPECT_EQ(first.failovers, (std::vector<std::string>{"n07: recovered", "n02: recovered"}));
}

}  // namespace
}  // namespace distcnn::runtime
