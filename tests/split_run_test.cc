// `distcnn run` of plans with split layers on real node processes over
// 127.0.0.1 (the twin: distributed output vs single-process output). For
// each zoo model and each split kind that applies to it (docs/cost-model.md,
// the tables at the end): lenet5, cnn5 and alexnet-2class one case per kind,
// every other zoo model one case that uses every kind applying to it (gates
// given exit probability 0). A plan that splits its layers is made explicitly
// (Plan::Make, never left to the solver), written as a version 2 plan and run
// with `run --plan` for one frame. The decision equals the whole model's on
// the same input within 1e-4 of the largest logit, every part and merge runs
// once, and every unit's node holds exactly the weight bytes the plan gives
// that unit (the evaluator's UnitLoad memory).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "distcnn/io/npy.h"
#include "distcnn/model/zoo.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/testing/test_placements.h"
#include "distcnn/profile/split_profile.h"
#include "distcnn/report/plan_json.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/random_input.h"
#include "distcnn/scenario/scenario_loader.h"

namespace distcnn {
namespace {

using testing::CliRun;
using testing::ReadFile;
using testing::TempDir;

// Runs `distcnn ARGS`, killed after `limit_s` (a hang guard: every run here
// takes seconds).
CliRun RunCliBounded(const std::string& args, int limit_s) {
  const std::filesystem::path dir = TempDir();
  const std::string cmd = "timeout -k 10 " + std::to_string(limit_s) + " " +
                          std::string(DISTCNN_BINARY) + " " + args + " > " +
                          (dir / "split-out").string() + " 2> " + (dir / "split-err").string();
  const int raw = std::system(cmd.c_str());
  CliRun run;
  run.exit_status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = ReadFile(dir / "split-out");
  run.err = ReadFile(dir / "split-err");
  return run;
}

using testing::Split;
using testing::Whole;

struct Case {
  std::string name;
  std::string model;
  std::vector<Placement> layers;
  std::string gates = {};  // the model's gates, given exit probability 0: they never exit
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

constexpr PartitionKind kOut = PartitionKind::kOutChannels;
constexpr PartitionKind kIn = PartitionKind::kInChannels;
constexpr PartitionKind kFused = PartitionKind::kFused;
constexpr PartitionKind kSpatial = PartitionKind::kSpatial;

// Every layer split that can be, with a kind of the case's name (cost-model.md's
// table): parts over three units (two for a conv of two groups), merge units
// varied, the first layer's scatter leaving the source.
std::vector<Case> Cases() {
  const std::vector<int> a = {0, 1, 2}, b = {1, 2, 3}, c = {0, 2, 3};
  return {
      {"lenet5_out_channels",
       "lenet5",
       {Split(kOut, a, 0), Split(kOut, b, 3), Split(kOut, c, 2), Split(kOut, a, 1),
        Split(kOut, b, 3)}},
      {"lenet5_in_channels",
       "lenet5",
       {Whole(0), Split(kIn, a, 2), Split(kIn, c, 0), Split(kIn, b, 1), Split(kIn, a, 2)}},
      {"lenet5_fused",
       "lenet5",
       {Split(kFused, a, 1), Split(kFused, a, 1), Split(kFused, c, 3), Split(kFused, c, 3),
        Whole(3)}},
      {"cnn5_out_channels",
       "cnn5",
       {Split(kOut, a, 0), Split(kOut, b, 1), Split(kOut, c, 3), Split(kOut, a, 2),
        Split(kOut, b, 3)}},
      {"cnn5_in_channels",
       "cnn5",
       {Split(kIn, a, 1), Split(kIn, b, 2), Split(kIn, c, 0), Split(kIn, a, 1), Split(kIn, b, 3)}},
      {"cnn5_fused",
       "cnn5",
       {Split(kFused, a, 0), Split(kFused, a, 0), Split(kFused, b, 2), Split(kFused, b, 2),
        Whole(3)}},
      {"alexnet-2class_out_channels",
       "alexnet-2class",
       {Split(kOut, a, 0), Split(kOut, {1, 2}, 1), Split(kOut, b, 3), Split(kOut, {0, 3}, 3),
        Split(kOut, {2, 3}, 2), Split(kOut, a, 1), Split(kOut, b, 3)}},
      {"alexnet-2class_in_channels",
       "alexnet-2class",
       {Split(kIn, a, 0), Whole(1), Split(kIn, b, 2), Whole(2), Whole(3), Split(kIn, a, 1),
        Split(kIn, b, 3)}},
      {"alexnet-2class_fused",
       "alexnet-2class",
       {Whole(0), Split(kFused, {0, 1}, 1), Split(kFused, {0, 1}, 1), Whole(2),
        Split(kFused, {2, 3}, 3), Split(kFused, {2, 3}, 3), Whole(3)}},
      // spatial: the leading stack (lenet5, cnn5: one layer; AlexNet: up to
      // conv4) in bands of rows, then a layer split by output channels that
      // its merge unit scatters to.
      {"lenet5_spatial",
       "lenet5",
       {Split(kSpatial, a, 1), Split(kOut, b, 2), Whole(2), Whole(3), Whole(3)}},
      {"cnn5_spatial",
       "cnn5",
       {Split(kSpatial, b, 3), Split(kOut, c, 0), Whole(1), Whole(2), Whole(3)}},
      {"alexnet-2class_spatial",
       "alexnet-2class",
       {Split(kSpatial, a, 2), Split(kSpatial, a, 2), Split(kSpatial, a, 2), Split(kSpatial, a, 2),
        Whole(2), Split(kOut, b, 3), Whole(3)}},
      // zoo:alexnet: LRN in the stack (conv1, conv2), 2-group convs.
      {"alexnet_spatial",
       "alexnet",
       {Split(kSpatial, b, 1), Split(kSpatial, b, 1), Split(kSpatial, b, 1), Whole(1), Whole(2),
        Split(kOut, a, 2), Whole(3), Whole(3)}},
  };
}

// The other zoo models: one case each in which every kind that applies to
// one of its layers (the profile's LayerSplit, as docs/cost-model.md tables
// it) splits the first layer it applies to, over two units; the spans do not
// overlap, and every other layer is whole, round the four units.
Case EveryKindCase(const std::string& model) {
  const Graph graph = BuildZooModel(model).value();
  const ModelProfile profile = ProfileGraph(graph, Granularity::kLayer).value();
  const std::vector<LayerSplit> s = ProfileLayerSplits(graph, profile).value();
  const int m = static_cast<int>(s.size());
  Case c{model + "_every_kind", model, {}, ""};
  for (const LayerProfile& l : profile.layers) {
    if (l.exit) c.gates += (c.gates.empty() ? "" : ", ") + l.name + ": 0";
  }
  for (int j = 0; j < m; ++j) c.layers.push_back(Whole(j % 4));
  std::vector<char> taken(static_cast<size_t>(m), 0);
  auto pair = [](int j) {
    const int a = j % 4, b = (j + 1) % 4;
    return std::vector<int>{std::min(a, b), std::max(a, b)};
  };
  if (m > 0 && s[0].spatial_ok()) {
    c.layers[0] = Split(kSpatial, pair(0), pair(0)[1]);
    taken[0] = 1;
  }
  for (int j = 0; j + 1 < m; ++j) {
    if (taken[j] || taken[j + 1] || !s[j].fusable_with_next) continue;
    c.layers[j] = c.layers[j + 1] = Split(kFused, pair(j), pair(j)[0]);
    taken[j] = taken[j + 1] = 1;
    break;
  }
  for (PartitionKind kind : {kOut, kIn}) {
    for (int j = 0; j < m; ++j) {
      const bool applies = kind == kOut ? s[j].out_channels_ok() : s[j].in_channels_ok();
      if (taken[j] || !applies || profile.layers[j].exit) continue;
      c.layers[j] = Split(kind, pair(j), pair(j)[1]);
      taken[j] = 1;
      break;
    }
  }
  return c;
}

std::vector<Case> AllCases() {
  std::vector<Case> cases = Cases();
  for (const char* model : {"alexnet", "cnn5-gc", "cnn5-gc2", "alexnet-gc", "vgg16", "resnet18",
                            "resnet50", "resnet101", "mobilenetv2"}) {
    cases.push_back(EveryKindCase(model));
  }
  return cases;
}

class SplitRunTest : public ::testing::TestWithParam<Case> {};

TEST_P(SplitRunTest, DistributedOutputEqualsSingleProcessAndNodesHoldThePlannedWeights) {
  const Case& c = GetParam();
  const std::string scenario_path = (TempDir() / (c.name + ".yaml")).string();
  for (const Placement& p : c.layers) {  // the kinds it runs, for the log
    std::printf("%s ", PartitionKindName(p.kind));
  }
  std::printf("\n");
  // cam - u0 - u1 - u2 - u3 - sink: a part two hops from its sender or its
  // merge unit is relayed.
  std::string text = testing::SplitChainScenario(c.model, 4);
  if (!c.gates.empty()) text.insert(text.rfind('}'), ", exits: {" + c.gates + "}");
  std::ofstream(scenario_path) << text;
  Result<Scenario> scenario = LoadScenarioFile(scenario_path);
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const Problem& problem = scenario->problem;
  Result<Plan> plan = Plan::Make(problem, {c.layers});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_FALSE(plan->all_whole());
  const CostModel model(problem);
  const Evaluation ev = Evaluate(model, *plan);
  ASSERT_TRUE(ev.feasible()) << ev.violations.front();
  SolveResult result;
  result.status = SolveStatus::kFeasible;
  result.plan = *plan;
  result.objective_s = ev.objective_s;
  result.solver = "split_run_test";
  const std::string plan_path = (TempDir() / (c.name + "-plan.json")).string();
  std::ofstream(plan_path) << PlanJson(model, result);

  const uint64_t seed = 17;
  const std::string out_dir = (TempDir() / ("out-" + c.name)).string();
  const std::string report = (TempDir() / ("report-" + c.name + ".json")).string();
  const CliRun run =
      RunCliBounded("run " + scenario_path + " --plan " + plan_path +
                        " --frames 1 --warmup 0 --calibration-frames 0" + " --input-seed " +
                        std::to_string(seed) + " --save-outputs " + out_dir + " --json " + report +
                        " --kernels " + DISTCNN_TEST_KERNELS,
                    300);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;

  const nlohmann::json j = nlohmann::json::parse(ReadFile(report));
  ASSERT_TRUE(j["ok"].get<bool>()) << j.dump(2);
  EXPECT_EQ(j["cnns"][0]["frames_received"].get<int>(), 1);
  int parts = 0;
  for (const auto& v : j["vertices"]) {
    const std::string name = v["name"].get<std::string>();
    std::vector<std::string> ran;
    for (const auto& l : v["layers"]) {
      EXPECT_EQ(l["runs"].get<int>(), 1) << l["name"];
      ran.push_back(l["name"].get<std::string>());
      parts += l["part"].get<int>() >= 0 ? 1 : 0;
    }
    EXPECT_EQ(ran, v["planned_layers"].get<std::vector<std::string>>()) << name;
    // Each unit holds exactly the weights the plan gives it; other vertices none.
    int64_t planned = 0;
    for (int u = 0; u < problem.num_units(); ++u) {
      if (problem.system.units[static_cast<size_t>(u)].id == name) {
        planned = ev.loads[static_cast<size_t>(u)].memory_bytes;
      }
    }
    EXPECT_EQ(v["weight_bytes"].get<int64_t>(), planned) << name;
    std::printf("%s: %s holds %lld weight bytes (plan: %lld)\n", c.name.c_str(), name.c_str(),
                static_cast<long long>(v["weight_bytes"].get<int64_t>()),
                static_cast<long long>(planned));
  }
  EXPECT_GE(parts, 4);

  // The single-process twin: the whole model on the same seeded input.
  const Graph whole = BuildZooModel(c.model).value();
  Result<const KernelRegistry*> kernels = KernelsByName(DISTCNN_TEST_KERNELS);
  ASSERT_TRUE(kernels.ok());
  Result<Executor> executor = Executor::Create(whole, **kernels);
  ASSERT_TRUE(executor.ok()) << executor.status().message();
  const Tensor want =
      executor->Run({{whole.inputs[0].name, RandomInput(whole.inputs[0].shape, seed)}})
          ->at(whole.outputs[0].name);
  std::string got_path;
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) got_path = e.path().string();
  ASSERT_FALSE(got_path.empty()) << "no output in " << out_dir;
  Result<Tensor> got = io::ReadNpy(got_path);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->shape, want.shape);
  double scale = 0, worst = 0;
  for (size_t i = 0; i < want.data.size(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(want.data[i])));
    worst = std::max(worst, std::fabs(static_cast<double>(got->data[i]) - want.data[i]));
  }
  EXPECT_LE(worst, 1e-4 * scale);
  std::printf("%s: max |distributed - single| %.3g, max |single logit| %.3g\n", c.name.c_str(),
              worst, scale);
}

INSTANTIATE_TEST_SUITE_P(ZooKinds, SplitRunTest, ::testing::ValuesIn(AllCases()),
                         [](const auto& test) {
                           std::string name = test.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace distcnn
