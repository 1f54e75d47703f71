// Nodes on the in-process transport (the twin of the ZeroMQ path the CLI tests
// use): a 3-unit chain computes cnn5 exactly like the whole model, relays
// along routes, rejects what it must (no hello, an older wire version,
// malformed frames, tensors for layers it does not hold) without stopping,
// and, emulating a slow unit, relays while it computes; an emulated hop
// between units that share a clock is held until its modelled arrival.
#include "distcnn/runtime/node.h"

#include <gtest/gtest.h>

#include <thread>

#include "distcnn/model/onnx_io.h"
#include "distcnn/model/zoo.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/random_input.h"
#include "distcnn/runtime/tensor_codec.h"
#include "distcnn/transport/inproc/inproc_transport.h"

namespace distcnn::runtime {
namespace {

using transport::Clock;
using transport::MessageKind;

class NodeChainTest : public ::testing::Test {
 protected:
  // Units 0, 1, 2 in a line; unit 0 runs layers 0-1, unit 2 runs 2-4, unit 1
  // only relays; the sink is unit 2 (decisions go straight to the coordinator).
  void SetUp() override {
    Result<Graph> g = BuildZooModel("cnn5");
    ASSERT_TRUE(g.ok());
    graph_ = *g;
    Result<ModelProfile> p = ProfileGraph(graph_, Granularity::kLayer);
    ASSERT_TRUE(p.ok());
    Result<std::vector<LayerSlice>> slices = SliceLayers(graph_, *p);
    ASSERT_TRUE(slices.ok());
    ASSERT_EQ(slices->size(), 5u);
    slices_ = *slices;
    std::vector<VertexDeployment> d(3);
    for (PeerId v = 0; v < 3; ++v) {
      d[v].vertex = v;
      d[v].name = "u" + std::to_string(v);
      if (v > 0) d[v].neighbour_endpoints[v - 1] = "";
      if (v < 2) d[v].neighbour_endpoints[v + 1] = "";
    }
    for (uint32_t j = 0; j < 5; ++j) {
      VertexDeployment& host = d[j < 2 ? 0 : 2];
      HostedLayer h;
      h.layer = j;
      h.name = (*slices)[j].name;
      h.slice = static_cast<int>(host.slices.size());
      h.last = j == 4;
      if (j == 1) h.next = {Send{{1, 2}, transport::kNoPart, {}}};  // relayed by unit 1
      if (j != 1 && j < 4) h.next = {Send{}};                       // the next layer is here
      host.slices.push_back(ExportOnnxBytes((*slices)[j].graph).value());
      host.layers.push_back(h);
    }
    Adjust(d);
    coordinator_ = network_.Attach(kCoordinatorPeer).value();
    for (PeerId v = 0; v < 3; ++v) transports_.push_back(network_.Attach(v).value());
    for (PeerId v = 0; v < 3; ++v) {
      Result<std::unique_ptr<Node>> node =
          Node::Create(d[v], transports_[v].get(), ReferenceKernels());
      ASSERT_TRUE(node.ok()) << node.status().message();
      nodes_.push_back(std::move(*node));
    }
    const auto hello = transport::MakeHello(std::span<const uint16_t>(&transport::kWireVersion, 1));
    for (PeerId v = 0; v < 3; ++v) {
      ASSERT_TRUE(coordinator_->Send(v, hello).ok());
      Node* raw = nodes_[v].get();
      threads_.emplace_back([raw] { (void)raw->Serve(); });
    }
  }

  void TearDown() override {
    for (PeerId v = 0; v < nodes_.size(); ++v) {
      (void)coordinator_->Send(v, EncodeControl({ControlType::kStop, "{}", {}}));
    }
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  // Lets a derived fixture change the deployments before the nodes start.
  virtual void Adjust(std::vector<VertexDeployment>& /*d*/) {}

  // The next decision the coordinator receives (skipping control messages).
  Result<transport::Envelope> NextDecision() {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (true) {
      ASSIGN_OR_RETURN(transport::Envelope e, coordinator_->Receive(deadline));
      if (e.message.header.kind == MessageKind::kDecision) return e;
    }
  }

  Graph graph_;
  std::vector<LayerSlice> slices_;
  transport::InprocNetwork network_;
  std::unique_ptr<transport::Transport> coordinator_;
  std::vector<std::unique_ptr<transport::Transport>> transports_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::thread> threads_;
};

TEST_F(NodeChainTest, PipelineEqualsTheWholeModel) {
  Result<Executor> whole = Executor::Create(graph_, ReferenceKernels());
  ASSERT_TRUE(whole.ok());
  constexpr int kFrames = 4;
  for (uint64_t f = 0; f < kFrames; ++f) {
    const Tensor x = RandomInput(graph_.inputs[0].shape, 50 + f);
    ASSERT_TRUE(coordinator_->Send(0, MessageFromTensor(x, f, 0, 0, MessageKind::kTensor)).ok());
  }
  for (int i = 0; i < kFrames; ++i) {
    Result<transport::Envelope> e = NextDecision();
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->from, 2);
    EXPECT_EQ(e->message.header.layer, 4u);
    const uint64_t f = e->message.header.frame_id;
    const Tensor x = RandomInput(graph_.inputs[0].shape, 50 + f);
    const Tensor want = whole->Run({{graph_.inputs[0].name, x}})->at(graph_.outputs[0].name);
    EXPECT_EQ(TensorFromMessage(e->message)->data, want.data) << "frame " << f;
  }
  const NodeStats relay = nodes_[1]->Stats();
  EXPECT_EQ(relay.relayed, static_cast<uint64_t>(kFrames));
  EXPECT_TRUE(relay.layers.empty());
  const NodeStats first = nodes_[0]->Stats();
  ASSERT_EQ(first.layers.size(), 2u);
  EXPECT_EQ(first.layers[0].runs, static_cast<uint64_t>(kFrames));
  EXPECT_EQ(first.layers[1].runs, static_cast<uint64_t>(kFrames));
}

TEST_F(NodeChainTest, RejectsAndCountsWithoutStopping) {
  // From a peer that never said hello.
  std::unique_ptr<transport::Transport> stranger = network_.Attach(77).value();
  const Tensor x = RandomInput(graph_.inputs[0].shape, 1);
  ASSERT_TRUE(stranger->Send(0, MessageFromTensor(x, 0, 0, 0, MessageKind::kTensor)).ok());
  // A malformed header frame.
  ASSERT_TRUE(network_.InjectRaw(0, kCoordinatorPeer, std::vector<std::byte>(10), {}).ok());
  // A tensor for a layer unit 0 does not hold.
  ASSERT_TRUE(coordinator_->Send(0, MessageFromTensor(x, 1, 0, 3, MessageKind::kTensor)).ok());
  // Still computes.
  ASSERT_TRUE(coordinator_->Send(0, MessageFromTensor(x, 2, 0, 0, MessageKind::kTensor)).ok());
  Result<transport::Envelope> e = NextDecision();
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->message.header.frame_id, 2u);
  const NodeStats s = nodes_[0]->Stats();
  EXPECT_EQ(s.rejected, 3u);
  ASSERT_GE(s.errors.size(), 2u);
  EXPECT_NE(s.errors[0].find("before its hello"), std::string::npos) << s.errors[0];
}

// A peer on wire version 2 greets with a version-2 hello: the node refuses it
// by name and counts it, and rejects what it sends next.
TEST_F(NodeChainTest, APeerOnAnOlderWireVersionIsRefused) {
  std::unique_ptr<transport::Transport> old = network_.Attach(78).value();
  transport::Message hello = transport::MakeHello(std::vector<uint16_t>{2});
  hello.header.version = 2;
  ASSERT_TRUE(old->Send(0, hello).ok());
  const Tensor x = RandomInput(graph_.inputs[0].shape, 1);
  ASSERT_TRUE(old->Send(0, MessageFromTensor(x, 0, 0, 0, MessageKind::kTensor)).ok());
  const auto give_up = Clock::now() + std::chrono::seconds(10);
  while (nodes_[0]->Stats().rejected == 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const NodeStats s = nodes_[0]->Stats();
  EXPECT_EQ(s.refused_peers, 1u);
  EXPECT_EQ(s.rejected, 1u);
  ASSERT_FALSE(s.errors.empty());
  EXPECT_NE(
      s.errors[0].find("peer 78: hello: peer speaks wire versions [2]; this build speaks [4]"),
      std::string::npos)
      << s.errors[0];
}

// Unit 0 emulates a slow device (layer 0 takes kLayerS) and a radio: its
// radio and receiving go on while it computes, one payload at a time.
class NodeEmulationTest : public NodeChainTest {
 protected:
  static constexpr double kLayerS = 0.5;
  static constexpr double kLinkBps = 1e9;
  void Adjust(std::vector<VertexDeployment>& d) override {
    d[0].emulation = EmulationMode::kFull;
    d[0].mults_per_s = 1e6;
    d[0].link_bps = kLinkBps;
    d[0].layers[0].mults = kLayerS * 1e6;
  }
};

TEST_F(NodeEmulationTest, RelaysWhileComputingAndCountsTheRadio) {
  const Tensor x = RandomInput(graph_.inputs[0].shape, 7);
  ASSERT_TRUE(coordinator_->Send(0, MessageFromTensor(x, 0, 0, 0, MessageKind::kTensor)).ok());
  // Sent after the frame, relayed 0 -> 1 -> 2, then handed over by its sink.
  transport::Message relay = MessageFromTensor(x, 99, 0, 4, MessageKind::kDecision);
  relay.header.route = {1, 2};
  ASSERT_TRUE(coordinator_->Send(0, relay).ok());
  Result<transport::Envelope> first = NextDecision();
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->message.header.frame_id, 99u);
  EXPECT_EQ(nodes_[0]->Stats().layers[0].runs, 0u) << "the relay waited for the computation";
  Result<transport::Envelope> second = NextDecision();
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->message.header.frame_id, 0u);
  // Final statistics: a stopped node has drained its radio.
  ASSERT_TRUE(coordinator_->Send(0, EncodeControl({ControlType::kStop, "{}", {}})).ok());
  threads_[0].join();
  const NodeStats s = nodes_[0]->Stats();
  EXPECT_EQ(s.relayed, 1u);
  EXPECT_EQ(s.messages_sent, 2u);
  EXPECT_GE(s.layers[0].compute_s, kLayerS);
  EXPECT_NEAR(s.radio_busy_s, static_cast<double>(s.bytes_sent) * 8 / kLinkBps, 1e-12);
}

// Unit 2 emulates a slow device (layer 2 takes kLayerS, the rest nothing) and
// shares a clock with unit 1, whose hops are stamped with their arrival.
class NodeTimelineTest : public NodeChainTest {
 protected:
  static constexpr double kLayerS = 0.5;
  void Adjust(std::vector<VertexDeployment>& d) override {
    d[2].emulation = EmulationMode::kFull;
    d[2].mults_per_s = 1e6;
    d[2].layers[0].mults = kLayerS * 1e6;
    d[2].clock_peers = {1};
  }
};

// A hop that arrives `kLateS` after its stamped arrival (as if the host's
// transport were that much slower than the modelled airtime) starts the layer
// at the stamp, not when it came: the host's lag is absorbed by the modelled
// compute instead of adding to it.
TEST_F(NodeTimelineTest, ALateArrivalStartsTheLayerAtItsStamp) {
  constexpr auto kLate = std::chrono::milliseconds(300);
  const Tensor x = RandomInput(slices_[2].graph.inputs[0].shape, 7);
  transport::Message m = MessageFromTensor(x, 3, 0, 2, MessageKind::kTensor);
  const auto sent = Clock::now();
  m.header.arrival_ns = static_cast<uint64_t>(transport::SteadyNs(sent - kLate));
  const transport::HeaderBytes header = transport::EncodeHeader(m.header).value();
  ASSERT_TRUE(
      network_.InjectRaw(2, 1, std::vector<std::byte>(header.begin(), header.end()), m.payload)
          .ok());
  Result<transport::Envelope> got = NextDecision();
  ASSERT_TRUE(got.ok()) << got.status().message();
  const double took_s = std::chrono::duration<double>(Clock::now() - sent).count();
  const double late_s = std::chrono::duration<double>(kLate).count();
  EXPECT_GE(took_s, kLayerS - late_s) << "held until the modelled end";
  EXPECT_LT(took_s, kLayerS - late_s / 2) << "the lag added to the layer";
  const NodeStats s = nodes_[2]->Stats();
  EXPECT_EQ(s.late_arrivals, 1u);
  EXPECT_DOUBLE_EQ(s.layers[0].compute_s, kLayerS);
}

// Unit 0 shapes its radio (links only) to kTxS per input-sized payload; the
// three units share one clock, so unit 0 sends at once with the arrival time
// and unit 1 holds the message until then.
class NodeArrivalTest : public NodeChainTest {
 protected:
  static constexpr double kTxS = 0.3;
  void Adjust(std::vector<VertexDeployment>& d) override {
    size_t bytes = sizeof(float);
    for (int64_t dim : graph_.inputs[0].shape) bytes *= static_cast<size_t>(dim);
    d[0].emulation = EmulationMode::kLinks;
    d[0].link_bps = static_cast<double>(bytes) * 8 / kTxS;
    d[0].clock_peers = {1};
    d[1].clock_peers = {0, 2};
    d[2].clock_peers = {1};
  }

  // A decision for unit 2, stamped as a transmission that ends in a minute.
  transport::Message DecisionDueInAMinute(uint64_t frame) const {
    const Tensor x = RandomInput(graph_.inputs[0].shape, 7);
    transport::Message m = MessageFromTensor(x, frame, 0, 4, MessageKind::kDecision);
    m.header.route = {2};
    m.header.arrival_ns =
        static_cast<uint64_t>(transport::SteadyNs(Clock::now() + std::chrono::seconds(60)));
    return m;
  }
};

TEST_F(NodeArrivalTest, AMessageSentAheadIsHeldUntilItsEmulatedArrival) {
  const Tensor x = RandomInput(graph_.inputs[0].shape, 7);
  transport::Message relay = MessageFromTensor(x, 5, 0, 4, MessageKind::kDecision);
  relay.header.route = {1, 2};
  const auto sent = Clock::now();
  ASSERT_TRUE(coordinator_->Send(0, relay).ok());
  Result<transport::Envelope> got = NextDecision();
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_GE(std::chrono::duration<double>(Clock::now() - sent).count(), kTxS);
  EXPECT_EQ(got->message.header.arrival_ns, 0u) << "only an emulated radio stamps";
  const NodeStats relay_stats = nodes_[1]->Stats();
  EXPECT_EQ(relay_stats.stamped_arrivals, 1u);
  EXPECT_EQ(relay_stats.late_arrivals, 0u);
  EXPECT_EQ(nodes_[2]->Stats().stamped_arrivals, 0u);
}

TEST_F(NodeArrivalTest, AStampFromAPeerWithAnotherClockIsIgnored) {
  const transport::Message relay = DecisionDueInAMinute(6);
  ASSERT_TRUE(coordinator_->Send(1, relay).ok());
  Result<transport::Envelope> got = NextDecision();  // within 20 s, not 60
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->message.header.frame_id, 6u);
  EXPECT_EQ(nodes_[1]->Stats().stamped_arrivals, 0u);
}

TEST_F(NodeArrivalTest, AStopDropsWhatIsStillInTransmissionAndSaysSo) {
  const transport::Message far = DecisionDueInAMinute(8);  // as if from unit 0
  const transport::HeaderBytes header = transport::EncodeHeader(far.header).value();
  ASSERT_TRUE(
      network_.InjectRaw(1, 0, std::vector<std::byte>(header.begin(), header.end()), far.payload)
          .ok());
  const auto give_up = Clock::now() + std::chrono::seconds(10);
  while (nodes_[1]->Stats().stamped_arrivals == 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(nodes_[1]->Stats().stamped_arrivals, 1u);
  const auto stop = Clock::now();
  ASSERT_TRUE(coordinator_->Send(1, EncodeControl({ControlType::kStop, "{}", {}})).ok());
  threads_[1].join();
  EXPECT_LT(Clock::now() - stop, std::chrono::seconds(30)) << "waited for the stamp";
  const NodeStats s = nodes_[1]->Stats();
  ASSERT_FALSE(s.errors.empty());
  EXPECT_NE(s.errors.back().find("1 message(s) still in emulated transmission: dropped"),
            std::string::npos)
      << s.errors.back();
}

}  // namespace
}  // namespace distcnn::runtime
