// The same send/receive tests run against the in-process twin and ZeroMQ (loopback).
#include "distcnn/transport/transport.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "distcnn/transport/inproc/inproc_transport.h"
#ifdef DISTCNN_HAVE_ZMQ
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "distcnn/transport/zmq/zmq_transport.h"
#endif

namespace distcnn::transport {
namespace {

constexpr auto kWait = std::chrono::seconds(10);  // generous: only hit on failure

// Two connected endpoints, units 3 and 5, plus a way to inject raw frames into 5.
struct Pair {
  std::unique_ptr<Transport> a;  // unit 3
  std::unique_ptr<Transport> b;  // unit 5
  std::function<Status(std::vector<std::byte>, std::vector<std::byte>)> inject_into_b;
  std::string b_endpoint;  // what a connects to (in-process: ignored)
  std::shared_ptr<void> keep_alive;
};

Pair MakeInproc() {
  auto network = std::make_shared<InprocNetwork>();
  Pair p;
  p.a = std::move(network->Attach(3)).value();
  p.b = std::move(network->Attach(5)).value();
  p.inject_into_b = [n = network.get()](std::vector<std::byte> h, std::vector<std::byte> pl) {
    return n->InjectRaw(5, 3, std::move(h), std::move(pl));
  };
  p.keep_alive = network;
  return p;
}

#ifdef DISTCNN_HAVE_ZMQ
// A bare DEALER posing as unit 9, to put arbitrary frames on the wire.
struct RawSender {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::dealer};
  explicit RawSender(const std::string& endpoint) {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::routing_id, std::string{'u', 9, 0});
    socket.connect(endpoint);
  }
  Status Send(std::vector<std::vector<std::byte>> frames) {
    std::vector<zmq::message_t> parts;
    for (auto& f : frames) parts.emplace_back(f.data(), f.size());
    return zmq::send_multipart(socket, parts) ? Status::Ok() : IoError("raw send failed");
  }
};

Pair MakeZmq() {
  auto a = std::move(ZmqTransport::Create(3)).value();
  auto b = std::move(ZmqTransport::Create(5)).value();
  EXPECT_EQ(a->endpoint().rfind("tcp://127.0.0.1:", 0), 0u) << a->endpoint();
  EXPECT_TRUE(a->Connect(5, b->endpoint()).ok());
  EXPECT_TRUE(b->Connect(3, a->endpoint()).ok());
  auto raw = std::make_shared<RawSender>(b->endpoint());
  Pair p;
  p.b_endpoint = b->endpoint();
  p.inject_into_b = [r = raw.get()](std::vector<std::byte> h, std::vector<std::byte> pl) {
    return r->Send({std::move(h), std::move(pl)});
  };
  p.a = std::move(a);
  p.b = std::move(b);
  p.keep_alive = raw;
  return p;
}

TEST(ZmqTransport, WrongFrameCountIsRejectedAndCounted) {
  auto b = std::move(ZmqTransport::Create(5)).value();
  RawSender raw(b->endpoint());
  ASSERT_TRUE(raw.Send({std::vector<std::byte>(4)}).ok());
  auto got = b->Receive(Clock::now() + kWait);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "receive: expected frames [routing id, header, payload], got 2 frames");
  EXPECT_EQ(b->rejected_messages(), 1u);
}

// A daemon sends its final statistics and exits: with LingerOnClose the
// queued message still arrives (64 MiB takes a while to leave); without it
// ZeroMQ drops what is queued when the transport closes.
TEST(ZmqTransport, LingerOnCloseDeliversWhatIsQueued) {
  auto b = std::move(ZmqTransport::Create(5)).value();
  auto send_and_close = [&](bool linger) {
    auto a = std::move(ZmqTransport::Create(3)).value();
    EXPECT_TRUE(a->Connect(5, b->endpoint()).ok());
    Message m;
    m.header.kind = MessageKind::kControl;
    m.header.dtype = DType::kNone;
    m.payload.assign(size_t{64} << 20, std::byte{7});
    m.header.payload_bytes = m.payload.size();
    EXPECT_TRUE(a->Send(5, std::move(m)).ok());
    if (linger) a->LingerOnClose(std::chrono::seconds(10));
  };
  send_and_close(true);
  auto got = b->Receive(Clock::now() + kWait);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->message.payload.size(), size_t{64} << 20);
  send_and_close(false);
  EXPECT_FALSE(b->Receive(Clock::now() + std::chrono::milliseconds(500)).ok())
      << "without linger the queued message should have been dropped";
}

// A restarted node binds a new endpoint: the sender forgets the old socket and
// connects to the new one.
TEST(ZmqTransport, ReconnectsToARestartedPeerAtItsNewEndpoint) {
  auto a = std::move(ZmqTransport::Create(3)).value();
  auto old_b = std::move(ZmqTransport::Create(5)).value();
  ASSERT_TRUE(a->Connect(5, old_b->endpoint()).ok());
  old_b.reset();
  auto new_b = std::move(ZmqTransport::Create(5)).value();
  ASSERT_TRUE(a->Disconnect(5).ok());
  ASSERT_TRUE(a->Connect(5, new_b->endpoint()).ok());
  Message m = MakeHello(std::vector<uint16_t>{kWireVersion});
  ASSERT_TRUE(a->Send(5, m).ok());
  auto got = new_b->Receive(Clock::now() + kWait);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->from, 3);
  EXPECT_EQ(got->message.header, m.header);
}

TEST(ZmqTransport, BindFailureIsAnErrorNotAnException) {
  auto t = ZmqTransport::Create(1, "tcp://not-an-address:xyz");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kIoError);
  EXPECT_NE(t.status().message().find("zmq: bind"), std::string::npos) << t.status().message();
}
#endif

struct Factory {
  const char* name;
  Pair (*make)();
};

class TransportTest : public ::testing::TestWithParam<Factory> {};

Message Tensor(uint64_t frame_id, size_t floats) {
  std::vector<std::byte> payload(floats * 4);
  for (size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::byte>(i * 31 + frame_id);
  return std::move(MakeTensorMessage(frame_id, 1, 2, DType::kFloat32, {1, floats}, {5, 7},
                                     std::move(payload)))
      .value();
}

TEST_P(TransportTest, SendsAndReceivesBothWays) {
  Pair p = GetParam().make();
  const Message sent = Tensor(42, 1000);
  ASSERT_TRUE(p.a->Send(5, sent).ok());
  auto got = p.b->Receive(Clock::now() + kWait);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->from, 3);
  EXPECT_EQ(got->message.header, sent.header);
  EXPECT_EQ(got->message.payload, sent.payload);

  ASSERT_TRUE(p.b->Send(3, MakeHello(std::vector<uint16_t>{kWireVersion})).ok());
  auto hello = p.a->Receive(Clock::now() + kWait);
  ASSERT_TRUE(hello.ok()) << hello.status().message();
  EXPECT_EQ(hello->from, 5);
  auto version = NegotiateVersion(std::vector<uint16_t>{kWireVersion}, hello->message);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, kWireVersion);
}

TEST_P(TransportTest, PreservesOrderOfManyFramesFromOneSender) {
  Pair p = GetParam().make();
  constexpr uint64_t kFrames = 200;
  std::thread sender([&] {
    for (uint64_t id = 0; id < kFrames; ++id) EXPECT_TRUE(p.a->Send(5, Tensor(id, 16)).ok());
  });
  for (uint64_t id = 0; id < kFrames; ++id) {
    auto got = p.b->Receive(Clock::now() + kWait);
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok()) break;  // join the sender before failing
    EXPECT_EQ(got->message.header.frame_id, id);
  }
  sender.join();
}

TEST_P(TransportTest, ReceiveTimesOutAtDeadline) {
  Pair p = GetParam().make();
  const auto deadline = Clock::now() + std::chrono::milliseconds(20);
  auto got = p.b->Receive(deadline);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(got.status().message(), "receive: deadline exceeded");
  EXPECT_GE(Clock::now(), deadline);
}

TEST_P(TransportTest, UnknownPeerAndInvalidHeaderAreRefusedAtSend) {
  Pair p = GetParam().make();
  EXPECT_EQ(p.a->Send(77, Tensor(0, 4)).code(), StatusCode::kNotFound);
  Message bad = Tensor(0, 4);
  bad.header.payload_bytes = 3;
  EXPECT_EQ(p.a->Send(5, std::move(bad)).code(), StatusCode::kInvalidArgument);
}

TEST_P(TransportTest, MalformedMessageIsRejectedAndCounted) {
  Pair p = GetParam().make();
  HeaderBytes header = std::move(EncodeHeader(Tensor(0, 4).header)).value();
  header[4] = std::byte{9};  // version 9
  ASSERT_TRUE(p.inject_into_b({header.begin(), header.end()}, std::vector<std::byte>(16)).ok());
  auto got = p.b->Receive(Clock::now() + kWait);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("unsupported wire version 9"), std::string::npos)
      << got.status().message();
  EXPECT_EQ(p.b->rejected_messages(), 1u);
  // The transport keeps working after a rejection.
  ASSERT_TRUE(p.a->Send(5, Tensor(1, 4)).ok());
  EXPECT_TRUE(p.b->Receive(Clock::now() + kWait).ok());
  EXPECT_EQ(p.b->rejected_messages(), 1u);
}

// Reconnects to the same live endpoint several times: each new connection must
// take over the sender's routing id from the one just closed.
TEST_P(TransportTest, DisconnectRefusesSendsUntilConnectedAgain) {
  Pair p = GetParam().make();
  for (uint64_t round = 0; round < 5; ++round) {
    ASSERT_TRUE(p.a->Disconnect(5).ok());
    EXPECT_EQ(p.a->Send(5, Tensor(100 + round, 4)).code(), StatusCode::kNotFound);
    EXPECT_EQ(p.a->Disconnect(5).code(), StatusCode::kNotFound);
    ASSERT_TRUE(p.a->Connect(5, p.b_endpoint).ok());
    ASSERT_TRUE(p.a->Send(5, Tensor(round, 4)).ok());
    auto got = p.b->Receive(Clock::now() + kWait);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(got->from, 3);
    EXPECT_EQ(got->message.header.frame_id, round) << "a refused message must not arrive";
  }
  EXPECT_EQ(p.b->rejected_messages(), 0u);
  // The other direction never noticed.
  ASSERT_TRUE(p.b->Send(3, Tensor(7, 4)).ok());
  auto back = p.a->Receive(Clock::now() + kWait);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->message.header.frame_id, 7u);
}

TEST_P(TransportTest, DisconnectOfAnUnknownPeerIsNotFound) {
  Pair p = GetParam().make();
  EXPECT_EQ(p.a->Disconnect(77).code(), StatusCode::kNotFound);
  EXPECT_TRUE(p.a->Send(5, Tensor(0, 4)).ok()) << "the connected peer stays connected";
}

std::vector<Factory> Factories() {
  std::vector<Factory> f = {{"inproc", &MakeInproc}};
#ifdef DISTCNN_HAVE_ZMQ
  f.push_back({"zmq", &MakeZmq});
#endif
  return f;
}

INSTANTIATE_TEST_SUITE_P(All, TransportTest, ::testing::ValuesIn(Factories()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace distcnn::transport
