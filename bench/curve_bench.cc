// CURVE's cost on the ZeroMQ transport (docs/security.md, docs/performance.md):
// per hop and in throughput, keys off against keys on, alternating in the same
// run so that both see the same machine. Two ZmqTransport endpoints on
// tcp://127.0.0.1:* per mode (created once; the CURVE pair trusts each other's
// keys). Per round, per payload size, each mode in turn (the order flips every
// round) runs
//   hop:        `--pings` round trips of a float32 tensor message (the peer's
//               echo thread sends it straight back); one hop = round trip / 2;
//   throughput: `--stream` messages sent back to back one way, timed until
//               the last is received (MB/s = payload bytes / time, 10^6 B/s).
// Prints one Markdown table of the medians over the rounds, and the fastest
// round. A plain program rather than Google Benchmark, which runs each case's
// repetitions back to back and so cannot alternate the two modes.
//   curve_bench [--rounds N] [--pings N] [--stream N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "distcnn/transport/zmq/curve_keys.h"
#include "distcnn/transport/zmq/zmq_transport.h"

namespace distcnn::transport {
namespace {

using Seconds = std::chrono::duration<double>;
constexpr PeerId kPing = 0;
constexpr PeerId kPong = 1;
constexpr auto kTimeout = std::chrono::seconds(20);

Message TensorOfBytes(int64_t bytes) {
  std::vector<std::byte> payload(static_cast<size_t>(bytes));
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i * 131 + 7);
  Result<Message> m = MakeTensorMessage(0, 0, 1, DType::kFloat32,
                                        {static_cast<uint64_t>(bytes / 4)}, {}, std::move(payload));
  DISTCNN_CHECK(m.ok());
  return std::move(m).value();
}

// Two connected endpoints; the pong side echoes while `echo` is set.
struct Link {
  std::unique_ptr<ZmqTransport> ping, pong;
  std::atomic<bool> echo{true};
  std::atomic<bool> stop{false};
  std::thread thread;

  explicit Link(bool curve) {
    std::optional<ZmqCurveOptions> a, b;
    CurveKeyPair ka, kb;
    if (curve) {
      ka = GenerateCurveKeyPair().value();
      kb = GenerateCurveKeyPair().value();
      a = ZmqCurveOptions{ka, false, {}};
      b = ZmqCurveOptions{kb, false, {}};
    }
    ping = std::move(ZmqTransport::Create(kPing, "tcp://127.0.0.1:*", a)).value();
    pong = std::move(ZmqTransport::Create(kPong, "tcp://127.0.0.1:*", b)).value();
    if (curve) {
      DISTCNN_CHECK(ping->TrustPeer(kPong, kb.public_key).ok());
      DISTCNN_CHECK(pong->TrustPeer(kPing, ka.public_key).ok());
    }
    DISTCNN_CHECK(ping->Connect(kPong, pong->endpoint()).ok());
    DISTCNN_CHECK(pong->Connect(kPing, ping->endpoint()).ok());
    thread = std::thread([this] { Serve(); });
  }
  ~Link() {
    stop = true;
    thread.join();
  }
  // Echoes (hop runs) or counts and acknowledges the last message (stream runs:
  // frame_id 1 marks the last).
  void Serve() {
    while (!stop) {
      Result<Envelope> e = pong->Receive(Clock::now() + std::chrono::milliseconds(50));
      if (!e.ok()) continue;
      if (echo || e->message.header.frame_id == 1) {
        DISTCNN_CHECK(pong->Send(kPing, std::move(e->message)).ok());
      }
    }
  }
  Message RoundTrip(Message m) {
    DISTCNN_CHECK(ping->Send(kPong, std::move(m)).ok());
    Result<Envelope> e = ping->Receive(Clock::now() + kTimeout);
    DISTCNN_CHECK(e.ok());
    return std::move(e->message);
  }
  // Seconds per hop (one way), over `pings` round trips after one untimed.
  double Hop(int64_t bytes, int pings) {
    echo = true;
    Message m = RoundTrip(TensorOfBytes(bytes));
    const auto start = Clock::now();
    for (int i = 0; i < pings; ++i) m = RoundTrip(std::move(m));
    return Seconds(Clock::now() - start).count() / pings / 2;
  }
  // Payload bytes per second one way, `count` messages back to back (fewer
  // than ZeroMQ's high-water mark of 1000, so no send waits for room).
  double Stream(int64_t bytes, int count) {
    echo = false;
    std::vector<Message> messages(static_cast<size_t>(count), TensorOfBytes(bytes));
    messages.back().header.frame_id = 1;
    const auto start = Clock::now();
    for (Message& m : messages) DISTCNN_CHECK(ping->Send(kPong, std::move(m)).ok());
    Result<Envelope> last = ping->Receive(Clock::now() + kTimeout);
    DISTCNN_CHECK(last.ok());
    return static_cast<double>(bytes) * count / Seconds(Clock::now() - start).count();
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string SizeName(int64_t bytes) {
  if (bytes >= (1 << 20)) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes >> 10) + " KiB";
}

int Flag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::max(1, std::atoi(argv[i + 1]));
  }
  return fallback;
}

}  // namespace
}  // namespace distcnn::transport

int main(int argc, char** argv) {
  using namespace distcnn::transport;
  if (!CurveAvailable()) {
    std::fprintf(stderr, "curve_bench: this libzmq has no CURVE\n");
    return 1;
  }
  const int rounds = Flag(argc, argv, "--rounds", 7);
  const int pings = Flag(argc, argv, "--pings", 200);
  const int stream = Flag(argc, argv, "--stream", 200);
  const std::vector<int64_t> sizes = {int64_t{1} << 10, int64_t{16} << 10, int64_t{256} << 10,
                                      int64_t{1} << 20, int64_t{4} << 20};
  Link off(false), on(true);
  // [mode][size] -> per-round samples
  std::vector<std::vector<std::vector<double>>> hop(2,
                                                    std::vector<std::vector<double>>(sizes.size())),
      rate = hop;
  for (int r = 0; r < rounds; ++r) {
    for (size_t s = 0; s < sizes.size(); ++s) {
      // Fewer messages for the large payloads, so a round stays short.
      const int scale = static_cast<int>(std::max<int64_t>(1, sizes[s] >> 18));
      for (int k = 0; k < 2; ++k) {
        const int mode = (r % 2 == 0) ? k : 1 - k;  // off, on / on, off
        Link& link = mode ? on : off;
        hop[mode][s].push_back(link.Hop(sizes[s], std::max(4, pings / scale)));
        rate[mode][s].push_back(link.Stream(sizes[s], std::max(4, stream / scale)));
      }
    }
    std::fprintf(stderr, "round %d of %d done\n", r + 1, rounds);
  }
  std::printf(
      "\n| payload | hop off (us) | hop on (us) | CURVE per hop (us) | stream off (MB/s) | "
      "stream on (MB/s) | on/off | fastest hop off / on (us) |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t s = 0; s < sizes.size(); ++s) {
    const double h0 = Median(hop[0][s]) * 1e6, h1 = Median(hop[1][s]) * 1e6;
    const double r0 = Median(rate[0][s]) / 1e6, r1 = Median(rate[1][s]) / 1e6;
    std::printf("| %s | %.1f | %.1f | %+.1f | %.0f | %.0f | %.2f | %.1f / %.1f |\n",
                SizeName(sizes[s]).c_str(), h0, h1, h1 - h0, r0, r1, r1 / r0,
                *std::min_element(hop[0][s].begin(), hop[0][s].end()) * 1e6,
                *std::min_element(hop[1][s].begin(), hop[1][s].end()) * 1e6);
  }
  std::printf(
      "\n%d rounds; per round and size: %d round trips and %d streamed messages "
      "(divided by payload / 256 KiB above 256 KiB)\n",
      rounds, pings, stream);
  return 0;
}
