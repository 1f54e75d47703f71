// CURVE on the ZeroMQ transport (docs/security.md): key files, the peers that
// are refused (no key, a wrong key, a key outside the deployment, a routing id
// that is not the key's), holding unknown keys until the deployment is known,
// and what an observer on the wire sees: a TCP relay on 127.0.0.1 between two
// endpoints finds a 64-byte marker of a tensor in the forwarded bytes with keys
// off and not with keys on.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "distcnn/transport/zmq/curve_keys.h"
#include "distcnn/transport/zmq/zmq_transport.h"

namespace distcnn::transport {
namespace {

constexpr auto kWait = std::chrono::seconds(10);  // generous: only hit on failure
constexpr PeerId kServer = 5;
constexpr PeerId kClient = 3;

uint64_t Seed() {
  const char* s = std::getenv("DISTCNN_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20240614;
}

CurveKeyPair NewKeys() { return std::move(GenerateCurveKeyPair()).value(); }

// A float32 tensor message whose payload holds `marker` at byte 4096.
Message TensorWithMarker(const std::string& marker) {
  std::vector<std::byte> payload(16384);
  std::mt19937 rng(static_cast<uint32_t>(Seed()));
  for (std::byte& b : payload) b = static_cast<std::byte>(rng());
  std::memcpy(payload.data() + 4096, marker.data(), marker.size());
  const uint64_t floats = payload.size() / 4;
  return std::move(MakeTensorMessage(1, 0, 0, DType::kFloat32, {1, floats}, {}, std::move(payload)))
      .value();
}

std::string Marker() {
  std::mt19937_64 rng(Seed());
  std::string m = "distcnn-plaintext-marker:";
  while (m.size() < 64) m += static_cast<char>('A' + rng() % 26);
  return m;  // 64 bytes
}

template <typename F>
bool WaitFor(F condition) {
  const auto deadline = Clock::now() + kWait;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A CURVE server (unit 5) that trusts `client_key` as unit 3, with its
// refusal lines collected.
struct Server {
  CurveKeyPair keys = NewKeys();
  std::mutex mutex;
  std::vector<std::string> lines;
  std::unique_ptr<ZmqTransport> transport;

  explicit Server(const std::string& client_key, bool hold = false) {
    ZmqCurveOptions curve{keys, hold, [this](const std::string& line) {
                            std::lock_guard lock(mutex);
                            lines.push_back(line);
                          }};
    transport = std::move(ZmqTransport::Create(kServer, "tcp://127.0.0.1:*", curve)).value();
    EXPECT_TRUE(transport->TrustPeer(kClient, client_key).ok());
  }
  std::string Lines() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
  }
  // Nothing arrives within a short wait (a refused peer's message is never delivered).
  bool Silent() {
    auto got = transport->Receive(Clock::now() + std::chrono::milliseconds(300));
    return !got.ok() && got.status().code() == StatusCode::kUnavailable;
  }
};

// A bare DEALER with any keys, to play peers that ZmqTransport would not be.
struct RawClient {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::dealer};
  RawClient(PeerId claimed, const std::string& server_key, const std::string& public_key,
            const std::string& secret_key, const std::string& endpoint) {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::routing_id, std::string{'u', static_cast<char>(claimed & 0xff),
                                                     static_cast<char>(claimed >> 8)});
    if (!server_key.empty()) {
      socket.set(zmq::sockopt::curve_serverkey, server_key);
      socket.set(zmq::sockopt::curve_publickey, public_key);
      socket.set(zmq::sockopt::curve_secretkey, secret_key);
    }
    socket.connect(endpoint);
  }
  void SendHello() {
    const Message hello = MakeHello(std::span<const uint16_t>(&kWireVersion, 1));
    const HeaderBytes header = EncodeHeader(hello.header).value();
    std::vector<zmq::message_t> parts;
    parts.emplace_back(header.data(), header.size());
    parts.emplace_back(hello.payload.data(), hello.payload.size());
    (void)zmq::send_multipart(socket, parts, zmq::send_flags::dontwait);
  }
};

TEST(ZmqCurve, LibzmqHasCurve) { ASSERT_TRUE(CurveAvailable()) << "Debian's libzmq5 has CURVE"; }

TEST(ZmqCurve, KeyFilesRoundTrip) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("distcnn-curve-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string base = (dir / "u0").string();
  const CurveKeyPair keys = NewKeys();
  ASSERT_TRUE(WriteKeyPair(keys, base).ok());
  struct stat st {};
  ASSERT_EQ(::stat((base + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = LoadSecretKeyFile(base + ".key");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->public_key, keys.public_key);  // derived from the secret
  EXPECT_EQ(loaded->secret_key, keys.secret_key);
  EXPECT_EQ(LoadPublicKeyFile(base + ".pub").value(), keys.public_key);

  // Never overwritten.
  const Status again = WriteKeyPair(NewKeys(), base);
  EXPECT_EQ(again.code(), StatusCode::kIoError);
  EXPECT_NE(again.message().find(base + ".key: cannot create"), std::string::npos)
      << again.message();
  // Missing, malformed, too open: each names the file.
  auto missing = LoadPublicKeyFile(base + ".missing");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(base + ".missing"), std::string::npos);
  std::ofstream(base + ".bad") << "# comment\nnot-a-key\n";
  auto bad = LoadPublicKeyFile(base + ".bad");
  EXPECT_EQ(bad.status().message(), base + ".bad: a CURVE key is 40 Z85 characters, got 9");
  std::ofstream(base + ".two") << keys.public_key << "\n" << keys.public_key << "\n";
  EXPECT_NE(LoadPublicKeyFile(base + ".two").status().message().find("found 2"), std::string::npos);
  ::chmod((base + ".key").c_str(), 0644);
  auto open = LoadSecretKeyFile(base + ".key");
  EXPECT_NE(open.status().message().find("must not be readable by group or others (mode 0644"),
            std::string::npos)
      << open.status().message();
  std::filesystem::remove_all(dir);
}

TEST(ZmqCurve, TrustedPeerIsDeliveredAndKnownByItsKey) {
  const CurveKeyPair client_keys = NewKeys();
  Server server(client_keys.public_key);
  auto client = std::move(ZmqTransport::Create(kClient, "tcp://127.0.0.1:*",
                                               ZmqCurveOptions{client_keys, false, {}}))
                    .value();
  EXPECT_FALSE(client->Connect(kServer, server.transport->endpoint()).ok())
      << "no key for the server yet";
  ASSERT_TRUE(client->TrustPeer(kServer, server.keys.public_key).ok());
  ASSERT_TRUE(client->Connect(kServer, server.transport->endpoint()).ok());
  ASSERT_TRUE(client->Send(kServer, TensorWithMarker(Marker())).ok());
  auto got = server.transport->Receive(Clock::now() + kWait);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->from, kClient);
  EXPECT_EQ(server.transport->refused_peers(), 0u) << server.Lines();
}

TEST(ZmqCurve, PeerWithNoKeyIsRefusedCountedAndReported) {
  Server server(NewKeys().public_key);
  auto plain = std::move(ZmqTransport::Create(kClient)).value();  // keys off
  ASSERT_TRUE(plain->Connect(kServer, server.transport->endpoint()).ok());
  ASSERT_TRUE(plain->Send(kServer, TensorWithMarker(Marker())).ok());
  ASSERT_TRUE(WaitFor([&] { return server.transport->refused_peers() >= 1; }));
  EXPECT_TRUE(server.Silent());
  // libzmq reports the mismatch, or (when the peer hangs up first) a handshake
  // failure without detail: either way the refusal is logged.
  EXPECT_NE(server.Lines().find("refused a connection"), std::string::npos) << server.Lines();
}

// A peer that knows the trusted client's public key but not its secret.
TEST(ZmqCurve, PeerWithWrongKeyIsRefused) {
  const CurveKeyPair trusted = NewKeys();
  Server server(trusted.public_key);
  RawClient impostor(kClient, server.keys.public_key, trusted.public_key, NewKeys().secret_key,
                     server.transport->endpoint());
  impostor.SendHello();
  ASSERT_TRUE(WaitFor([&] { return server.transport->refused_peers() >= 1; }));
  EXPECT_TRUE(server.Silent());
  EXPECT_NE(server.Lines().find("wrong CURVE key"), std::string::npos) << server.Lines();
}

// A client that expects another key of the server (it holds a stale or forged one).
TEST(ZmqCurve, PeerExpectingAnotherServerKeyIsRefused) {
  const CurveKeyPair trusted = NewKeys();
  Server server(trusted.public_key);
  RawClient confused(kClient, NewKeys().public_key, trusted.public_key, trusted.secret_key,
                     server.transport->endpoint());
  confused.SendHello();
  ASSERT_TRUE(WaitFor([&] { return server.transport->refused_peers() >= 1; }));
  EXPECT_TRUE(server.Silent());
}

TEST(ZmqCurve, KeyOutsideTheDeploymentIsRefused) {
  Server server(NewKeys().public_key);
  const CurveKeyPair outsider = NewKeys();
  auto client = std::move(ZmqTransport::Create(kClient, "tcp://127.0.0.1:*",
                                               ZmqCurveOptions{outsider, false, {}}))
                    .value();
  ASSERT_TRUE(client->TrustPeer(kServer, server.keys.public_key).ok());
  ASSERT_TRUE(client->Connect(kServer, server.transport->endpoint()).ok());
  ASSERT_TRUE(client->Send(kServer, TensorWithMarker(Marker())).ok());
  ASSERT_TRUE(WaitFor([&] { return server.transport->refused_peers() >= 1; }));
  EXPECT_TRUE(server.Silent());
  EXPECT_NE(server.Lines().find("CURVE key " + outsider.public_key + " is not in the deployment"),
            std::string::npos)
      << server.Lines();
}

// A trusted peer's key does not let it speak as another unit (the coordinator, say).
TEST(ZmqCurve, RoutingIdThatIsNotTheKeysIsRejected) {
  const CurveKeyPair trusted = NewKeys();
  Server server(trusted.public_key);
  RawClient liar(7, server.keys.public_key, trusted.public_key, trusted.secret_key,
                 server.transport->endpoint());
  liar.SendHello();
  auto got = server.transport->Receive(Clock::now() + kWait);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "receive: a message claiming to be peer 7 on a connection authenticated as peer 3");
  EXPECT_EQ(server.transport->rejected_messages(), 1u);
}

// A daemon learns its neighbours' keys from its deployment; a neighbour that
// connects first waits instead of being refused, and one outside it is refused then.
TEST(ZmqCurve, UnknownKeysWaitUntilThePeersAreSealed) {
  const CurveKeyPair early = NewKeys();
  const CurveKeyPair outsider = NewKeys();
  Server server(NewKeys().public_key, /*hold=*/true);
  auto connect = [&](const CurveKeyPair& keys, PeerId self) {
    auto t =
        std::move(ZmqTransport::Create(self, "tcp://127.0.0.1:*", ZmqCurveOptions{keys, false, {}}))
            .value();
    EXPECT_TRUE(t->TrustPeer(kServer, server.keys.public_key).ok());
    EXPECT_TRUE(t->Connect(kServer, server.transport->endpoint()).ok());
    EXPECT_TRUE(t->Send(kServer, TensorWithMarker(Marker())).ok());
    return t;
  };
  auto a = connect(early, 8);
  auto b = connect(outsider, 9);
  EXPECT_TRUE(server.Silent());
  EXPECT_EQ(server.transport->refused_peers(), 0u);
  ASSERT_TRUE(server.transport->TrustPeer(8, early.public_key).ok());
  server.transport->SealPeers();
  auto got = server.transport->Receive(Clock::now() + kWait);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->from, 8);
  ASSERT_TRUE(WaitFor([&] { return server.transport->refused_peers() >= 1; }));
  EXPECT_TRUE(server.Silent());
}

// Forwards TCP connections from an ephemeral port on 127.0.0.1 to `to_port`,
// recording every byte sent towards it.
class Relay {
 public:
  explicit Relay(int to_port) : to_port_(to_port) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~Relay() {
    stop_ = true;
    thread_.join();
    for (auto [c, s] : pairs_) {
      ::close(c);
      ::close(s);
    }
    ::close(listen_);
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  std::string forwarded() {
    std::lock_guard lock(mutex_);
    return forwarded_;
  }

 private:
  void Run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_, POLLIN, 0}};
      for (auto [c, s] : pairs_) {
        fds.push_back({c, POLLIN, 0});
        fds.push_back({s, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) Accept();
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        const auto& pair = pairs_[(i - 1) / 2];
        const bool upstream = (i - 1) % 2 == 0;  // client -> server
        char buf[65536];
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) continue;
        if (upstream) {
          std::lock_guard lock(mutex_);
          forwarded_.append(buf, static_cast<size_t>(n));
        }
        WriteAll(upstream ? pair.second : pair.first, buf, static_cast<size_t>(n));
      }
    }
  }
  void Accept() {
    const int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(to_port_));
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(c);
      ::close(s);
      return;
    }
    pairs_.emplace_back(c, s);
  }
  static void WriteAll(int fd, const char* p, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w <= 0) return;
      p += w;
      n -= static_cast<size_t>(w);
    }
  }

  int to_port_;
  int listen_ = -1;
  int port_ = 0;
  std::vector<std::pair<int, int>> pairs_;  // (client side, server side): the thread's
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string forwarded_;
  std::thread thread_;
};

int PortOf(const std::string& endpoint) {
  return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
}

// Sends a tensor holding the marker from unit 3 to unit 5 through the relay;
// returns what the relay forwarded to 5.
std::string ForwardedBytes(bool keys) {
  const CurveKeyPair server_keys = NewKeys(), client_keys = NewKeys();
  std::optional<ZmqCurveOptions> server_curve, client_curve;
  if (keys) {
    server_curve = ZmqCurveOptions{server_keys, false, {}};
    client_curve = ZmqCurveOptions{client_keys, false, {}};
  }
  auto server = std::move(ZmqTransport::Create(kServer, "tcp://127.0.0.1:*", server_curve)).value();
  auto client = std::move(ZmqTransport::Create(kClient, "tcp://127.0.0.1:*", client_curve)).value();
  if (keys) {
    EXPECT_TRUE(server->TrustPeer(kClient, client_keys.public_key).ok());
    EXPECT_TRUE(client->TrustPeer(kServer, server_keys.public_key).ok());
  }
  Relay relay(PortOf(server->endpoint()));
  EXPECT_TRUE(client->Connect(kServer, relay.endpoint()).ok());
  EXPECT_TRUE(client->Send(kServer, TensorWithMarker(Marker())).ok());
  auto got = server->Receive(Clock::now() + kWait);
  EXPECT_TRUE(got.ok()) << got.status().message();
  if (got.ok()) {  // it went through the relay, whole
    const std::string payload(reinterpret_cast<const char*>(got->message.payload.data()),
                              got->message.payload.size());
    EXPECT_NE(payload.find(Marker()), std::string::npos);
  }
  EXPECT_EQ(server->refused_peers(), 0u);
  return relay.forwarded();
}

TEST(ZmqCurve, RelaySeesTheMarkerWithKeysOffAndNotWithKeysOn) {
  const std::string marker = Marker();
  ASSERT_EQ(marker.size(), 64u);
  const std::string off = ForwardedBytes(false);
  EXPECT_GE(off.size(), 16384u);
  EXPECT_NE(off.find(marker), std::string::npos) << "keys off: the relay must see the tensor";
  const std::string on = ForwardedBytes(true);
  EXPECT_GE(on.size(), 16384u) << "the tensor crossed the relay";
  EXPECT_EQ(on.find(marker), std::string::npos) << "keys on: the tensor must be encrypted";
  // Not even a fragment of it: any 16-byte piece of the marker.
  for (size_t at = 0; at + 16 <= marker.size(); at += 16) {
    EXPECT_EQ(on.find(marker.substr(at, 16)), std::string::npos) << "piece at " << at;
  }
  std::printf("seed %llu (DISTCNN_TEST_SEED)\n", static_cast<unsigned long long>(Seed()));
}

}  // namespace
}  // namespace distcnn::transport
