// Transport benchmark: the per-hop cost of sending a tensor message, as a
// function of its size. Two endpoints in one process play ping-pong: the
// benchmark thread sends a float32 tensor message to peer 1, whose echo thread
// sends it straight back; one iteration is one round trip. Transports: ZeroMQ
// over TCP on loopback (two ZmqTransport endpoints on tcp://127.0.0.1:*, each
// with its own context and I/O thread) and the in-process twin (InprocNetwork).
// Every hop runs the real path: header encoding, the payload handed to the
// transport without a copy, decoding and validation on receipt, which copies
// the payload out of the received frame (both transports). After the runs it prints a Markdown
// table of round trip, one-way time (= round trip / 2) and effective one-way throughput, as
// recorded in docs/performance.md (median over --benchmark_repetitions=N runs, and the fastest
// run).
//   transport_bench [--benchmark_repetitions=5] [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "distcnn/transport/inproc/inproc_transport.h"
#include "distcnn/transport/transport.h"
#ifdef DISTCNN_BENCH_ZMQ
#include "distcnn/transport/zmq/zmq_transport.h"
#endif

namespace distcnn::transport {
namespace {

constexpr auto kReceiveTimeout = std::chrono::seconds(10);
constexpr PeerId kPing = 0;
constexpr PeerId kPong = 1;

// Every run of every case; PrintTable() reports, per case, the median of the
// runs made with the final iteration count (the repetitions; Google Benchmark's
// shorter iteration-estimation runs are left out).
struct Run {
  std::string transport;
  int64_t bytes = 0;
  int64_t iterations = 0;
  double round_trip_s = 0;
};
std::vector<Run>& Runs() {
  static std::vector<Run> runs;
  return runs;
}

std::string SizeName(int64_t bytes) {
  if (bytes >= (1 << 20)) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes >> 10) + " KiB";
}

// A float32 tensor message of `bytes` payload bytes (shape [bytes / 4]).
Message TensorOfBytes(int64_t bytes) {
  std::vector<std::byte> payload(static_cast<size_t>(bytes));
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i * 131 + 7);
  Result<Message> m = MakeTensorMessage(/*frame_id=*/0, /*cnn=*/0, /*layer=*/1, DType::kFloat32,
                                        {static_cast<uint64_t>(bytes / 4)}, {}, std::move(payload));
  DISTCNN_CHECK(m.ok());
  return std::move(m).value();
}

// Echoes every message `pong` receives back to its sender until `stop` is set.
void Echo(Transport* pong, const std::atomic<bool>* stop, std::atomic<bool>* failed) {
  while (!stop->load()) {
    Result<Envelope> e = pong->Receive(Clock::now() + std::chrono::milliseconds(50));
    if (!e.ok()) {
      if (e.status().code() == StatusCode::kUnavailable) continue;  // deadline: check stop
      std::fprintf(stderr, "echo: %s\n", e.status().message().c_str());
      failed->store(true);
      return;
    }
    const Status s = pong->Send(e->from, std::move(e->message));
    if (!s.ok()) {
      std::fprintf(stderr, "echo: %s\n", s.message().c_str());
      failed->store(true);
      return;
    }
  }
}

// One round trip: send `message` to the echo peer and receive it back.
Status RoundTrip(Transport* ping, Message* message) {
  RETURN_IF_ERROR(ping->Send(kPong, std::move(*message)));
  ASSIGN_OR_RETURN(Envelope e, ping->Receive(Clock::now() + kReceiveTimeout));
  *message = std::move(e.message);
  return Status::Ok();
}

void PingPong(benchmark::State& state, const std::string& name, Transport* ping, Transport* pong) {
  const int64_t bytes = state.range(0);
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::thread echo(Echo, pong, &stop, &failed);
  Message message = TensorOfBytes(bytes);
  const std::vector<std::byte> sent = message.payload;
  // Warm-up (connection set-up) and a check that the payload survives the trip.
  Status s = RoundTrip(ping, &message);
  if (s.ok() && message.payload != sent) s = InternalError("payload changed on the round trip");
  if (!s.ok()) state.SkipWithError(s.message().c_str());
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (!s.ok()) break;
    s = RoundTrip(ping, &message);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop.store(true);
  echo.join();
  if (failed.load()) state.SkipWithError("echo thread failed (see stderr)");
  if (!s.ok() || failed.load()) return;
  const double round_trip_s = elapsed_s / static_cast<double>(state.iterations());
  // One direction at a time: 2 x bytes cross per round trip.
  state.SetBytesProcessed(state.iterations() * 2 * bytes);
  state.counters["one_way_us"] = round_trip_s / 2 * 1e6;
  Runs().push_back({name, bytes, static_cast<int64_t>(state.iterations()), round_trip_s});
}

#ifdef DISTCNN_BENCH_ZMQ
void BM_ZmqTcpLoopback(benchmark::State& state) {
  Result<std::unique_ptr<ZmqTransport>> ping = ZmqTransport::Create(kPing);
  Result<std::unique_ptr<ZmqTransport>> pong = ZmqTransport::Create(kPong);
  if (!ping.ok() || !pong.ok()) {
    state.SkipWithError((ping.ok() ? pong : ping).status().message().c_str());
    return;
  }
  Status s = (*ping)->Connect(kPong, (*pong)->endpoint());
  if (s.ok()) s = (*pong)->Connect(kPing, (*ping)->endpoint());
  if (!s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  PingPong(state, "zmq tcp loopback", ping->get(), pong->get());
}
#endif

void BM_Inproc(benchmark::State& state) {
  InprocNetwork network;
  Result<std::unique_ptr<Transport>> ping = network.Attach(kPing);
  Result<std::unique_ptr<Transport>> pong = network.Attach(kPong);
  DISTCNN_CHECK(ping.ok() && pong.ok());
  PingPong(state, "inproc", ping->get(), pong->get());
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t bytes : {int64_t{1} << 10, int64_t{16} << 10, int64_t{256} << 10, int64_t{1} << 20,
                        int64_t{4} << 20, int64_t{16} << 20}) {
    b->Arg(bytes);
  }
  b->UseRealTime()->Unit(benchmark::kMicrosecond)->MinTime(0.3);
}

#ifdef DISTCNN_BENCH_ZMQ
BENCHMARK(BM_ZmqTcpLoopback)->Apply(Sizes);
#endif
BENCHMARK(BM_Inproc)->Apply(Sizes);

void PrintTable() {
  std::printf(
      "\n| transport | payload | round trip (us) | one-way (us) | one-way MB/s | fastest run: "
      "one-way (us) | runs x iterations |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  std::vector<std::pair<std::string, int64_t>> cases;
  for (const Run& r : Runs()) {
    if (cases.empty() || cases.back() != std::make_pair(r.transport, r.bytes)) {
      cases.emplace_back(r.transport, r.bytes);
    }
  }
  for (const auto& [transport, bytes] : cases) {
    int64_t iterations = 0;
    for (const Run& r : Runs()) {
      if (r.transport == transport && r.bytes == bytes)
        iterations = std::max(iterations, r.iterations);
    }
    std::vector<double> times;
    for (const Run& r : Runs()) {
      if (r.transport == transport && r.bytes == bytes && r.iterations == iterations) {
        times.push_back(r.round_trip_s);
      }
    }
    std::sort(times.begin(), times.end());
    const size_t n = times.size();
    const double round_trip_s = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    const double one_way_s = round_trip_s / 2;
    std::printf("| %s | %s | %.1f | %.1f | %.0f | %.1f | %zu x %lld |\n", transport.c_str(),
                SizeName(bytes).c_str(), round_trip_s * 1e6, one_way_s * 1e6,
                static_cast<double>(bytes) / one_way_s / 1e6, times.front() / 2 * 1e6, n,
                static_cast<long long>(iterations));
  }
}

}  // namespace
}  // namespace distcnn::transport

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  distcnn::transport::PrintTable();
  return 0;
}
