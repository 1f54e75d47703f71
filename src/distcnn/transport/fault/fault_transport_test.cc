// FaultTransport on the in-process network: each fault alone, determinism per
// seed and per link, and rule selection by link and kind.
#include "distcnn/transport/fault/fault_transport.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <utility>

#include "distcnn/transport/inproc/inproc_transport.h"

namespace distcnn::transport {
namespace {

constexpr auto kWait = std::chrono::seconds(10);  // generous: only hit on failure
constexpr PeerId kReceiver = 9;
constexpr PeerId kAlice = 1;
constexpr PeerId kBob = 2;

uint64_t Seed() {
  const char* s = std::getenv("DISTCNN_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20240614;
}

Message Tensor(uint64_t frame_id, size_t floats = 4) {
  std::vector<std::byte> payload(floats * 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<std::byte>(i * 31 + frame_id);
  }
  return std::move(MakeTensorMessage(frame_id, 0, 1, DType::kFloat32, {1, floats}, {kReceiver},
                                     std::move(payload)))
      .value();
}

Message Control(uint64_t frame_id) {
  Message m;
  m.header.kind = MessageKind::kControl;
  m.header.dtype = DType::kNone;
  m.header.frame_id = frame_id;
  m.payload = {std::byte{1}, std::byte{2}, std::byte{3}};
  m.header.payload_bytes = m.payload.size();
  return m;
}

// Alice and Bob send to a receiver whose transport is wrapped in a FaultTransport.
struct Rig {
  InprocNetwork network;
  std::unique_ptr<Transport> alice = network.Attach(kAlice).value();
  std::unique_ptr<Transport> bob = network.Attach(kBob).value();
  std::unique_ptr<Transport> receiver = network.Attach(kReceiver).value();
  FaultTransport faulty;

  explicit Rig(FaultPlan plan) : faulty(receiver.get(), std::move(plan)) {}
};

// One Receive outcome: a delivered (from, frame_id), or a rejection.
struct Delivery {
  PeerId from = 0;
  uint64_t frame_id = 0;
  bool rejected = false;
  bool operator==(const Delivery&) const = default;
};

// Receives everything already sent (the in-process queues are filled before).
std::vector<Delivery> Drain(FaultTransport& t) {
  std::vector<Delivery> out;
  while (true) {
    auto got = t.Receive(Clock::now());
    if (got.ok()) {
      out.push_back({got->from, got->message.header.frame_id, false});
    } else if (got.status().code() == StatusCode::kInvalidArgument) {
      out.push_back({0, 0, true});
    } else {
      EXPECT_TRUE(IsDeadlineExceeded(got.status())) << got.status().message();
      return out;
    }
  }
}

// Alice sends frames 0..n-1 (and Bob as many, interleaved, if `with_bob`).
std::vector<Delivery> SendAndDrain(FaultPlan plan, uint64_t n, bool with_bob = false) {
  Rig rig(std::move(plan));
  for (uint64_t id = 0; id < n; ++id) {
    EXPECT_TRUE(rig.alice->Send(kReceiver, Tensor(id)).ok());
    if (with_bob) {
      EXPECT_TRUE(rig.bob->Send(kReceiver, Tensor(id)).ok());
    }
  }
  return Drain(rig.faulty);
}

FaultPlan OneRule(uint64_t seed, FaultRule rule) {
  FaultPlan plan;
  plan.seed = seed;
  plan.rules.push_back(rule);
  return plan;
}

TEST(FaultTransport, DropRateIsWithinBoundsAndReproducible) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (DISTCNN_TEST_SEED)");
  constexpr uint64_t kMessages = 1000;
  Rig rig(OneRule(seed, {.drop = 0.3}));
  for (uint64_t id = 0; id < kMessages; ++id) {
    ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(id)).ok());
  }
  const std::vector<Delivery> delivered = Drain(rig.faulty);
  // Expected 700, standard deviation 14.5: the bounds are about 7 of them away.
  EXPECT_GE(delivered.size(), 600u);
  EXPECT_LE(delivered.size(), 800u);
  EXPECT_EQ(rig.faulty.counters().dropped, kMessages - delivered.size());
  for (size_t i = 1; i < delivered.size(); ++i) {
    EXPECT_LT(delivered[i - 1].frame_id, delivered[i].frame_id) << "order kept, no repeats";
  }
  EXPECT_EQ(SendAndDrain(OneRule(seed, {.drop = 0.3}), kMessages), delivered);
}

TEST(FaultTransport, DuplicatesAreDeliveredTwiceInARow) {
  constexpr uint64_t kMessages = 10;
  Rig rig(OneRule(Seed(), {.duplicate = 1.0}));
  for (uint64_t id = 0; id < kMessages; ++id) {
    ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(id)).ok());
  }
  const std::vector<Delivery> delivered = Drain(rig.faulty);
  ASSERT_EQ(delivered.size(), 2 * kMessages);
  for (uint64_t id = 0; id < kMessages; ++id) {
    EXPECT_EQ(delivered[2 * id].frame_id, id);
    EXPECT_EQ(delivered[2 * id + 1].frame_id, id);
  }
  EXPECT_EQ(rig.faulty.counters().duplicated, kMessages);
}

TEST(FaultTransport, DelayHoldsMessagesUntilDueAndReleasesThemInDueOrder) {
  FaultPlan plan;
  plan.seed = Seed();
  plan.rules = {{.from = kAlice, .delay = 1.0, .delay_duration = std::chrono::milliseconds(80)},
                {.from = kBob, .delay = 1.0, .delay_duration = std::chrono::milliseconds(40)}};
  Rig rig(std::move(plan));
  const Clock::time_point sent = Clock::now();
  ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(0)).ok());
  ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(1)).ok());
  ASSERT_TRUE(rig.bob->Send(kReceiver, Tensor(2)).ok());

  // Everything has arrived but is held: the caller's deadline still rules.
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(5);
  auto early = rig.faulty.Receive(deadline);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(IsDeadlineExceeded(early.status())) << early.status().message();
  EXPECT_GE(Clock::now(), deadline);

  // Bob's message is due first although it was sent last.
  auto first = rig.faulty.Receive(Clock::now() + kWait);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->from, kBob);
  EXPECT_GE(Clock::now(), sent + std::chrono::milliseconds(40));
  for (uint64_t id : {0, 1}) {
    auto next = rig.faulty.Receive(Clock::now() + kWait);
    ASSERT_TRUE(next.ok()) << next.status().message();
    EXPECT_EQ(next->from, kAlice);
    EXPECT_EQ(next->message.header.frame_id, id);
  }
  EXPECT_GE(Clock::now(), sent + std::chrono::milliseconds(80));
  EXPECT_EQ(rig.faulty.counters().delayed, 3u);
}

TEST(FaultTransport, CorruptionIsRejectedOrChangesTheMessageAndIsCounted) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (DISTCNN_TEST_SEED)");
  constexpr uint64_t kMessages = 200;
  Rig rig(OneRule(seed, {.corrupt = 1.0}));
  std::vector<Message> sent;
  for (uint64_t id = 0; id < kMessages; ++id) {
    sent.push_back(Tensor(id, 16));
    ASSERT_TRUE(rig.alice->Send(kReceiver, sent.back()).ok());
  }
  uint64_t rejected = 0;
  uint64_t changed = 0;
  for (const Message& original : sent) {
    auto got = rig.faulty.Receive(Clock::now() + kWait);
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status().message();
      EXPECT_EQ(got.status().message().rfind("receive from peer 1: ", 0), 0u)
          << got.status().message();
      ++rejected;
      continue;
    }
    EXPECT_FALSE(got->message.header == original.header && got->message.payload == original.payload)
        << "frame " << original.header.frame_id << " arrived intact";
    ++changed;
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(changed, 0u);
  EXPECT_EQ(rig.faulty.counters().corrupted, kMessages);
  EXPECT_EQ(rig.faulty.rejected_messages(), rejected);
  EXPECT_EQ(rig.receiver->rejected_messages(), 0u) << "the inner transport saw intact messages";
}

TEST(FaultTransport, PartitionDropsBothWaysUntilHealed) {
  Rig rig(FaultPlan{});
  rig.faulty.Partition({kAlice});
  ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(0)).ok());
  ASSERT_TRUE(rig.bob->Send(kReceiver, Tensor(1)).ok());
  EXPECT_TRUE(rig.faulty.Send(kAlice, Tensor(2)).ok()) << "a cut link swallows, not refuses";
  EXPECT_EQ(rig.faulty.Send(kAlice, Message{}).code(), StatusCode::kInvalidArgument)
      << "an invalid message is still refused";

  EXPECT_EQ(Drain(rig.faulty), (std::vector<Delivery>{{kBob, 1, false}}));
  EXPECT_TRUE(IsDeadlineExceeded(rig.alice->Receive(Clock::now()).status()));
  EXPECT_EQ(rig.faulty.counters().partitioned, 2u);

  rig.faulty.Heal();
  ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(3)).ok());
  ASSERT_TRUE(rig.faulty.Send(kAlice, Tensor(4)).ok());
  EXPECT_EQ(Drain(rig.faulty), (std::vector<Delivery>{{kAlice, 3, false}}));
  auto back = rig.alice->Receive(Clock::now() + kWait);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->message.header.frame_id, 4u);
  EXPECT_EQ(rig.faulty.counters().partitioned, 2u);
}

TEST(FaultTransport, MessagesHeldWhenTheLinkIsCutAreLost) {
  Rig rig(OneRule(Seed(), {.delay = 1.0, .delay_duration = std::chrono::milliseconds(20)}));
  ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(0)).ok());
  auto none = rig.faulty.Receive(Clock::now());  // takes it in and holds it
  EXPECT_TRUE(IsDeadlineExceeded(none.status())) << none.status().message();
  rig.faulty.Partition({kAlice});
  auto lost = rig.faulty.Receive(Clock::now() + std::chrono::milliseconds(60));
  EXPECT_TRUE(IsDeadlineExceeded(lost.status())) << lost.status().message();
  EXPECT_EQ(rig.faulty.counters().partitioned, 1u);
}

FaultPlan Mixed(uint64_t seed) {
  return OneRule(seed, {.drop = 0.2, .duplicate = 0.2, .corrupt = 0.1});
}

TEST(FaultTransport, SameSeedSameDeliveriesOtherSeedOthers) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (DISTCNN_TEST_SEED)");
  const std::vector<Delivery> first = SendAndDrain(Mixed(seed), 300, /*with_bob=*/true);
  EXPECT_EQ(SendAndDrain(Mixed(seed), 300, true), first);
  EXPECT_NE(SendAndDrain(Mixed(seed + 1), 300, true), first);
}

// A link's decisions depend on its own messages only: Bob's traffic leaves
// what Alice's messages suffer unchanged.
TEST(FaultTransport, LinksAreIndependent) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (DISTCNN_TEST_SEED)");
  auto alice_only = [](std::vector<Delivery> all) {
    std::erase_if(all, [](const Delivery& d) { return d.from == kBob; });
    return all;
  };
  // Corruption is left out: a rejection does not name its sender.
  const FaultPlan plan = OneRule(seed, {.drop = 0.3, .duplicate = 0.3});
  EXPECT_EQ(alice_only(SendAndDrain(plan, 200, /*with_bob=*/true)), SendAndDrain(plan, 200));
}

TEST(FaultTransport, RulesSelectByKindAndByLink) {
  FaultPlan plan;
  plan.seed = Seed();
  plan.rules = {{.from = kBob, .drop = 1.0}, {.kind = MessageKind::kTensor, .drop = 1.0}};
  Rig rig(std::move(plan));
  ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(0)).ok());
  ASSERT_TRUE(rig.alice->Send(kReceiver, Control(1)).ok());
  ASSERT_TRUE(rig.bob->Send(kReceiver, Control(2)).ok());
  ASSERT_TRUE(rig.alice->Send(kReceiver, Tensor(3)).ok());
  ASSERT_TRUE(rig.alice->Send(kReceiver, Control(4)).ok());
  EXPECT_EQ(Drain(rig.faulty), (std::vector<Delivery>{{kAlice, 1, false}, {kAlice, 4, false}}));
  EXPECT_EQ(rig.faulty.counters().dropped, 3u);
}

TEST(FaultTransport, ForwardsConnectionsToTheInnerTransport) {
  Rig rig(FaultPlan{});
  EXPECT_EQ(rig.faulty.self(), kReceiver);
  ASSERT_TRUE(rig.faulty.Disconnect(kAlice).ok());
  EXPECT_EQ(rig.faulty.Send(kAlice, Tensor(0)).code(), StatusCode::kNotFound);
  EXPECT_EQ(rig.faulty.Disconnect(77).code(), StatusCode::kNotFound);
  ASSERT_TRUE(rig.faulty.Connect(kAlice, "").ok());
  ASSERT_TRUE(rig.faulty.Send(kAlice, Tensor(1)).ok());
  auto got = rig.alice->Receive(Clock::now() + kWait);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->from, kReceiver);
  EXPECT_EQ(got->message.header.frame_id, 1u);
}

}  // namespace
}  // namespace distcnn::transport
