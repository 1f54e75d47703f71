// Split layers on nodes over the in-process transport (the twin of the
// ZeroMQ run in tests/split_run_test.cc): BuildDeployments cuts each split
// layer per part, the nodes scatter, compute their parts, gather and merge,
// and the decision equals the whole model's on the same input, for
// out_channels, in_channels, fused, spatial and a mix, with and without
// emulation.
// Every unit holds exactly the weight bytes the plan gives it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "distcnn/model/zoo.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/testing/test_placements.h"
#include "distcnn/runtime/cnn_program.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/node.h"
#include "distcnn/runtime/random_input.h"
#include "distcnn/runtime/tensor_codec.h"
#include "distcnn/scenario/scenario_loader.h"
#include "distcnn/transport/inproc/inproc_transport.h"

namespace distcnn::runtime {
namespace {

using transport::Clock;
using transport::MessageKind;

using testing::Split;
using testing::Whole;

struct Case {
  std::string name;
  std::string model;
  std::vector<Placement> layers;
  EmulationMode emulation = EmulationMode::kOff;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

const PartitionKind kOut = PartitionKind::kOutChannels;
const PartitionKind kIn = PartitionKind::kInChannels;
const PartitionKind kFused = PartitionKind::kFused;
const PartitionKind kSpatial = PartitionKind::kSpatial;

std::vector<Case> Cases() {
  const std::vector<int> all = {0, 1, 2};
  return {
      {"lenet5_out",
       "lenet5",
       {Split(kOut, all, 0), Split(kOut, all, 1), Split(kOut, all, 2), Split(kOut, {0, 2}, 0),
        Split(kOut, all, 1)}},
      {"lenet5_in",
       "lenet5",
       {Whole(0), Split(kIn, all, 2), Split(kIn, all, 0), Split(kIn, {1, 2}, 1),
        Split(kIn, all, 2)}},
      {"lenet5_fused",
       "lenet5",
       {Split(kFused, all, 1), Split(kFused, all, 1), Split(kFused, {0, 2}, 0),
        Split(kFused, {0, 2}, 0), Whole(2)}},
      {"cnn5_mixed",
       "cnn5",
       {Split(kOut, all, 2), Split(kFused, all, 0), Split(kFused, all, 0), Split(kIn, {1, 2}, 1),
        Whole(2)}},
      {"cnn5_mixed_emulated",
       "cnn5",
       {Split(kFused, all, 1), Split(kFused, all, 1), Split(kOut, all, 0), Split(kIn, all, 2),
        Split(kOut, {0, 1}, 1)},
       EmulationMode::kFull},
      // A spatial stack (one layer on both models) in bands of rows, then
      // splits fed from its merge unit.
      {"lenet5_spatial",
       "lenet5",
       {Split(kSpatial, all, 1), Split(kOut, {0, 2}, 2), Whole(2), Whole(0), Whole(1)}},
      {"cnn5_spatial_emulated",
       "cnn5",
       {Split(kSpatial, all, 2), Split(kIn, all, 0), Whole(1), Whole(1), Whole(2)},
       EmulationMode::kFull},
  };
}

class SplitNodeTest : public ::testing::TestWithParam<Case> {};

TEST_P(SplitNodeTest, DecisionEqualsTheWholeModelAndUnitsHoldThePlannedBytes) {
  const Case& c = GetParam();
  Result<Scenario> scenario =
      LoadScenarioText(testing::SplitChainScenario(c.model, 3),
                       "split.yaml");  // a part on u2 fed from u0 is relayed
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const Problem& problem = scenario->problem;
  Result<Plan> plan = Plan::Make(problem, {c.layers});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const Evaluation ev = Evaluate(CostModel(problem), *plan);
  ASSERT_TRUE(ev.feasible()) << ev.violations.front();
  Result<std::vector<CnnProgram>> programs = LoadCnnPrograms(*scenario);
  ASSERT_TRUE(programs.ok()) << programs.status().message();
  const std::vector<std::vector<float>> thresholds = {std::vector<float>(c.layers.size(), 0.0f)};
  Result<std::map<PeerId, VertexDeployment>> deployments =
      BuildDeployments(problem, *plan, *programs, thresholds, c.emulation);
  ASSERT_TRUE(deployments.ok()) << deployments.status().message();

  transport::InprocNetwork network;
  std::unique_ptr<transport::Transport> coordinator = network.Attach(kCoordinatorPeer).value();
  std::vector<std::unique_ptr<transport::Transport>> transports;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::thread> threads;
  const auto hello = transport::MakeHello(std::span<const uint16_t>(&transport::kWireVersion, 1));
  for (auto& [vertex, d] : *deployments) transports.push_back(network.Attach(vertex).value());
  size_t t = 0;
  for (auto& [vertex, d] : *deployments) {
    for (int n : problem.system.graph.Neighbours(vertex)) {
      if (deployments->count(static_cast<PeerId>(n))) {
        d.neighbour_endpoints[static_cast<PeerId>(n)] = "";
        d.clock_peers.insert(static_cast<PeerId>(n));
      }
    }
    Result<std::unique_ptr<Node>> node = Node::Create(d, transports[t++].get(), DefaultKernels());
    ASSERT_TRUE(node.ok()) << node.status().message();
    nodes.push_back(std::move(*node));
    ASSERT_TRUE(coordinator->Send(vertex, hello).ok());
  }
  for (auto& node : nodes) {
    Node* raw = node.get();
    threads.emplace_back([raw] { (void)raw->Serve(); });
  }

  const Graph whole = BuildZooModel(c.model).value();
  Result<Executor> executor = Executor::Create(whole, DefaultKernels());
  ASSERT_TRUE(executor.ok());
  const Transfer& first = plan->transfers(0).front();
  constexpr int kFrames = 3;
  for (uint64_t f = 0; f < kFrames; ++f) {
    transport::Message m = MessageFromTensor(RandomInput(whole.inputs[0].shape, 40 + f), f, 0, 0,
                                             MessageKind::kTensor);
    if (first.kind == TransferKind::kSource) m.header.route = *RouteOf(first, "source");
    ASSERT_TRUE(coordinator->Send(static_cast<PeerId>(first.from_vertex), std::move(m)).ok());
  }
  int received = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (received < kFrames) {
    Result<transport::Envelope> e = coordinator->Receive(deadline);
    ASSERT_TRUE(e.ok()) << e.status().message() << " after " << received << " decisions";
    if (e->message.header.kind != MessageKind::kDecision) continue;
    ++received;
    const uint64_t f = e->message.header.frame_id;
    const Tensor want =
        executor->Run({{whole.inputs[0].name, RandomInput(whole.inputs[0].shape, 40 + f)}})
            ->at(whole.outputs[0].name);
    const Tensor got = *TensorFromMessage(e->message);
    ASSERT_EQ(got.shape, want.shape);
    double scale = 0, worst = 0;
    for (size_t i = 0; i < want.data.size(); ++i) {
      scale = std::max(scale, std::fabs(static_cast<double>(want.data[i])));
      worst = std::max(worst, std::fabs(static_cast<double>(got.data[i]) - want.data[i]));
    }
    EXPECT_LE(worst, 1e-4 * scale) << "frame " << f;
    std::printf("%s frame %llu: max |error| %.3g, max |logit| %.3g\n", c.name.c_str(),
                static_cast<unsigned long long>(f), worst, scale);
  }
  for (auto& [vertex, d] : *deployments) {
    ASSERT_TRUE(coordinator->Send(vertex, EncodeControl({ControlType::kStop, "{}", {}})).ok());
  }
  for (std::thread& th : threads) th.join();
  size_t i = 0;
  int parts = 0;
  for (auto& [vertex, d] : *deployments) {
    const NodeStats s = nodes[i++]->Stats();
    EXPECT_TRUE(s.errors.empty()) << d.name << ": " << s.errors.front();
    EXPECT_EQ(s.send_errors + s.compute_errors + s.rejected, 0u) << d.name;
    const int64_t planned = vertex < problem.num_units() ? ev.loads[vertex].memory_bytes : 0;
    EXPECT_EQ(static_cast<int64_t>(s.weight_bytes), planned) << d.name;
    std::printf("%s: %s holds %llu weight bytes (plan: %lld)\n", c.name.c_str(), d.name.c_str(),
                static_cast<unsigned long long>(s.weight_bytes), static_cast<long long>(planned));
    for (const LayerStats& l : s.layers) {
      EXPECT_EQ(l.runs, static_cast<uint64_t>(kFrames)) << l.name;
      parts += l.part >= 0 ? 1 : 0;
    }
  }
  EXPECT_GE(parts, 4);
}

INSTANTIATE_TEST_SUITE_P(Kinds, SplitNodeTest, ::testing::ValuesIn(Cases()),
                         [](const auto& test) { return test.param.name; });

}  // namespace
}  // namespace distcnn::runtime
