#include "distcnn/runtime/node.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "distcnn/model/onnx_io.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/gate.h"
#include "distcnn/runtime/tensor_codec.h"

namespace distcnn::runtime {
namespace {

using transport::Clock;
using transport::Message;
using transport::MessageKind;

constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr size_t kMaxErrorsKept = 8;
// Timers on the test VM wake 50-150 us late even with 1 us timer slack; an
// emulated wait sleeps until this long before its deadline and yields from there.
constexpr auto kSpinTail = std::chrono::microseconds(200);

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// Waits until `deadline` without waking late (see kSpinTail).
void WaitUntil(Clock::time_point deadline) {
  std::this_thread::sleep_until(deadline - kSpinTail);
  while (Clock::now() < deadline) std::this_thread::yield();
}

struct Work {
  uint32_t cnn = 0;
  uint32_t layer = 0;
  uint64_t frame = 0;
  Tensor input;
};

struct Outgoing {
  PeerId peer = 0;
  Message message;
};

// The roles the node's threads take in turn (see Node::Impl::RunRoles).
enum class Role { kNone, kRadio, kCompute, kReceive };

}  // namespace

Status SendToCoordinator(transport::Transport* transport, const ControlMessage& control) {
  return transport->Send(kCoordinatorPeer, EncodeControl(control));
}

struct Node::Impl {
  VertexDeployment deployment;
  transport::Transport* transport = nullptr;
  std::vector<std::unique_ptr<Graph>> graphs;              // executors point into these
  std::vector<Executor> executors;                         // per slice
  std::map<std::pair<uint32_t, uint32_t>, size_t> hosted;  // (cnn, layer) -> layers index
  std::set<PeerId> greeted;  // peers with an accepted hello (receive role only)
  // Messages that came ahead of their emulated arrival, by arrival (receive
  // role only). A stop drops them, reported: the coordinator stops a node once
  // every frame is in or lost, and a bad stamp must not keep it running.
  std::multimap<Clock::time_point, transport::Envelope> held;
  std::vector<std::thread> helpers;

  std::mutex mutex;              // guards the scheduling state below
  std::condition_variable idle;  // threads without a role wait here
  std::deque<Work> compute_queue;
  std::deque<Outgoing> radio_queue;
  bool computing = false;
  bool transmitting = false;
  bool receiving = false;
  bool stopping = false;       // stop or RequestStop(): drain the queues, then end
  bool stop_received = false;  // the coordinator's stop, which Serve() answers

  mutable std::mutex stats_mutex;
  NodeStats stats;

  void Error(const std::string& message, uint64_t NodeStats::*counter) {
    std::lock_guard lock(stats_mutex);
    if (counter) ++(stats.*counter);
    if (stats.errors.size() < kMaxErrorsKept) stats.errors.push_back(message);
  }

  // Leader/followers: three interchangeable threads share the roles radio (one
  // transmission at a time, FIFO), compute (one layer at a time, FIFO) and
  // receive. The thread that receives a message computes or transmits it itself
  // when that resource is idle, and a thread that computed an output transmits
  // it itself when the radio is idle; a job whose resource is busy waits in its
  // queue for the thread holding it. So a frame never waits for a thread to
  // wake up (on the test VM a thread woken on the other, idle CPU runs about
  // 160 us later). An idle thread takes the vacated receive role. Three
  // threads for three roles: a free role always finds a thread. Returns once
  // stopping with nothing left to do.
  void RunRoles() {
    std::unique_lock lock(mutex);
    while (true) {
      const Role role = FreeRole();
      if (role == Role::kNone) {
        if (stopping) return;
        idle.wait(lock);
        continue;
      }
      if (role == Role::kReceive) {
        receiving = true;
        lock.unlock();
        const bool stop = ReceiveAndHandle();
        lock.lock();
        receiving = false;
        if (stop) {
          stop_received = stopping = true;
          idle.notify_all();
        }
        continue;
      }
      // The resource is busy from `claimed` on; under emulation the wait for
      // the modelled time absorbs the cost of waking a follower.
      const auto claimed = Clock::now();
      std::optional<Outgoing> out;
      std::optional<Work> work;
      if (role == Role::kRadio) {
        transmitting = true;
        out = std::move(radio_queue.front());
        radio_queue.pop_front();
      } else {
        computing = true;
        work = std::move(compute_queue.front());
        compute_queue.pop_front();
      }
      const bool wake_follower = FreeRole() != Role::kNone;
      lock.unlock();
      if (wake_follower) idle.notify_one();
      if (work) {
        out = Compute(std::move(*work), claimed);
        lock.lock();
        computing = false;
        if (out) radio_queue.push_back(std::move(*out));  // radio first: this thread sends it
      } else {
        Transmit(std::move(*out), claimed);
        lock.lock();
        transmitting = false;
      }
    }
  }

  // The role this thread should take now (radio first: it holds finished
  // results), or kNone. Caller holds `mutex`.
  Role FreeRole() const {
    if (!transmitting && !radio_queue.empty()) return Role::kRadio;
    if (!computing && !compute_queue.empty()) return Role::kCompute;
    if (!receiving && !stopping) return Role::kReceive;
    return Role::kNone;
  }

  void Push(Work work) {
    std::lock_guard lock(mutex);
    compute_queue.push_back(std::move(work));
  }
  void Push(Outgoing out) {
    std::lock_guard lock(mutex);
    radio_queue.push_back(std::move(out));
  }

  // Addresses a tensor or decision along `path` (vertices after this one); an
  // empty path means it has arrived: decisions go to the coordinator.
  static Outgoing Along(const std::vector<PeerId>& path, Message message) {
    if (path.empty()) return Outgoing{kCoordinatorPeer, std::move(message)};
    message.header.route.assign(path.begin() + 1, path.end());
    return Outgoing{path.front(), std::move(message)};
  }

  // Runs `w`'s layer and any following layers this unit holds (back to back,
  // without a hop), the first one from `claimed` on; returns what goes on the
  // radio, if anything.
  std::optional<Outgoing> Compute(Work w, Clock::time_point claimed) {
    for (auto layer_start = claimed;; layer_start = Clock::now()) {
      const size_t index = hosted.at({w.cnn, w.layer});
      const HostedLayer& layer = deployment.layers[index];
      const Executor& ex = executors[static_cast<size_t>(layer.slice)];
      const Graph& g = *graphs[static_cast<size_t>(layer.slice)];
      const auto start = Clock::now();
      Result<TensorMap> out = ex.Run({{g.inputs.front().name, w.input}});
      const double real_s = std::chrono::duration<double>(Clock::now() - start).count();
      double total_s = real_s;
      bool overrun = false;
      if (deployment.emulation == EmulationMode::kFull && deployment.mults_per_s > 0) {
        const double modelled_s = layer.mults / deployment.mults_per_s;
        overrun = real_s > modelled_s;
        if (!overrun) WaitUntil(layer_start + Seconds(modelled_s));
        total_s = std::chrono::duration<double>(Clock::now() - layer_start).count();
      }
      if (!out.ok()) {
        Error(layer.name + " frame " + std::to_string(w.frame) + ": " + out.status().message(),
              &NodeStats::compute_errors);
        return std::nullopt;
      }
      Tensor y = std::move(out->at(g.outputs.front().name));
      bool exits = layer.last;
      if (layer.exit) exits = GateConfidence(y) >= layer.exit_threshold;
      {
        std::lock_guard lock(stats_mutex);
        LayerStats& s = stats.layers[index];
        ++s.runs;
        s.compute_s += total_s;
        s.real_compute_s += real_s;
        s.overruns += overrun ? 1 : 0;
        if (layer.exit && exits) ++s.exits;
      }
      if (exits) {
        return Along(layer.sink_path,
                     MessageFromTensor(y, w.frame, w.cnn, w.layer, MessageKind::kDecision));
      }
      if (!layer.exit) w.input = std::move(y);  // a gate forwards what it read
      ++w.layer;
      if (!layer.next_path.empty()) {
        return Along(layer.next_path,
                     MessageFromTensor(w.input, w.frame, w.cnn, w.layer, MessageKind::kTensor));
      }
    }
  }

  void Stamp(std::vector<FrameStamp> NodeStats::*stamps, const transport::Header& h) {
    const int64_t now = transport::SteadyNs(Clock::now());
    std::lock_guard lock(stats_mutex);
    (stats.*stamps).push_back(FrameStamp{h.cnn, h.frame_id, now});
  }

  // Sends `out`; under emulation a payload over the air occupies the radio for
  // bytes * 8 / rate from `claimed` on (store and forward). To a peer that
  // shares this clock it leaves at once, stamped with the end of that time, and
  // the peer holds it until then: the host's own transport time then overlaps
  // the modelled transmission instead of adding to it. To any other peer it
  // leaves once that time has passed.
  void Transmit(Outgoing out, Clock::time_point claimed) {
    const uint64_t bytes = out.message.payload.size();
    const PeerId peer = out.peer;
    out.message.header.arrival_ns = 0;  // a relayed message carries the last hop's
    std::optional<Clock::time_point> radio_free;
    if (deployment.emulation != EmulationMode::kOff && deployment.link_bps > 0 &&
        peer != kCoordinatorPeer) {
      const double tx_s = static_cast<double>(bytes) * 8.0 / deployment.link_bps;
      radio_free = claimed + Seconds(tx_s);
      if (deployment.clock_peers.count(peer)) {
        out.message.header.arrival_ns = static_cast<uint64_t>(transport::SteadyNs(*radio_free));
      } else {
        WaitUntil(*radio_free);
      }
      std::lock_guard lock(stats_mutex);
      stats.radio_busy_s += tx_s;
    }
    if (peer == kCoordinatorPeer && out.message.header.kind == MessageKind::kDecision) {
      Stamp(&NodeStats::decided, out.message.header);  // the sink has it; the rest is harness
    }
    Status sent = transport->Send(peer, std::move(out.message));
    if (radio_free) WaitUntil(*radio_free);  // no-op unless sent ahead of its arrival
    if (!sent.ok()) {
      Error("send to peer " + std::to_string(peer) + ": " + sent.message(),
            &NodeStats::send_errors);
      return;
    }
    std::lock_guard lock(stats_mutex);
    ++stats.messages_sent;
    stats.bytes_sent += bytes;
  }

  // Handles the held message that is due, if any, else waits up to the poll
  // interval (or until the next held message is due) for a message and handles
  // it, or holds it while its emulated transmission lasts. Returns true when
  // the node must stop.
  bool ReceiveAndHandle() {
    if (!held.empty() && held.begin()->first <= Clock::now() + kSpinTail) {
      auto due = held.extract(held.begin());
      WaitUntil(due.key());
      return Handle(std::move(due.mapped()));
    }
    auto deadline = Clock::now() + kPollInterval;
    if (!held.empty()) deadline = std::min(deadline, held.begin()->first - kSpinTail);
    Result<transport::Envelope> envelope = transport->Receive(deadline);
    if (!envelope.ok()) {
      if (envelope.status().code() != StatusCode::kUnavailable) {  // not a poll timeout
        Error(envelope.status().message(), nullptr);               // counted by the transport
      }
      return false;
    }
    if (const auto arrival = Arrival(*envelope)) {
      const auto early = *arrival - Clock::now();
      {
        std::lock_guard lock(stats_mutex);
        ++stats.stamped_arrivals;
        if (early.count() < 0) {
          ++stats.late_arrivals;
          stats.late_s -= std::chrono::duration<double>(early).count();
        }
      }
      if (early.count() > 0) {
        held.emplace(*arrival, std::move(*envelope));
        return false;
      }
    }
    return Handle(std::move(*envelope));
  }

  // When `envelope`'s emulated transmission ends, if its sender shares this
  // clock and stamped it.
  std::optional<Clock::time_point> Arrival(const transport::Envelope& envelope) const {
    const uint64_t ns = envelope.message.header.arrival_ns;
    if (ns == 0 || !deployment.clock_peers.count(envelope.from)) return std::nullopt;
    return transport::FromSteadyNs(static_cast<int64_t>(ns));
  }

  // Queues what `envelope` asks for; returns true when the node must stop.
  bool Handle(transport::Envelope envelope) {
    Message& m = envelope.message;
    const PeerId from = envelope.from;
    if (m.header.kind == MessageKind::kHello) {
      Result<uint16_t> version =
          transport::NegotiateVersion(std::span<const uint16_t>(&transport::kWireVersion, 1), m);
      if (version.ok()) {
        greeted.insert(from);
      } else {
        Error("peer " + std::to_string(from) + ": " + version.status().message(),
              &NodeStats::refused_peers);
      }
      return false;
    }
    if (!greeted.count(from)) {
      Error("message from peer " + std::to_string(from) + " before its hello: dropped",
            &NodeStats::rejected);
      return false;
    }
    if (m.header.kind == MessageKind::kControl) return HandleControl(from, m);
    if (from == kCoordinatorPeer && m.header.kind == MessageKind::kTensor) {
      Stamp(&NodeStats::entered, m.header);  // the coordinator plays this source's camera
    }
    if (!m.header.route.empty()) {  // relay
      const PeerId next = m.header.route.front();
      m.header.route.erase(m.header.route.begin());
      {
        std::lock_guard lock(stats_mutex);
        ++stats.relayed;
      }
      Push(Outgoing{next, std::move(m)});
      return false;
    }
    if (m.header.kind == MessageKind::kDecision) {  // this vertex is the sink
      Push(Outgoing{kCoordinatorPeer, std::move(m)});
      return false;
    }
    auto it = hosted.find({m.header.cnn, m.header.layer});
    if (it == hosted.end()) {
      Error("tensor for cnn " + std::to_string(m.header.cnn) + " layer " +
                std::to_string(m.header.layer) + " from peer " + std::to_string(from) +
                ": no such layer here",
            &NodeStats::rejected);
      return false;
    }
    Result<Tensor> input = TensorFromMessage(m);
    if (!input.ok()) {
      Error(input.status().message(), &NodeStats::rejected);
      return false;
    }
    Push(Work{m.header.cnn, m.header.layer, m.header.frame_id, std::move(*input)});
    return false;
  }

  bool HandleControl(PeerId from, const Message& m) {
    Result<ControlMessage> control = DecodeControl(m);
    if (!control.ok() || from != kCoordinatorPeer) {
      Error(control.ok() ? "control message from peer " + std::to_string(from) + ": dropped"
                         : control.status().message(),
            &NodeStats::rejected);
      return false;
    }
    if (control->type == "ping") {
      (void)SendToCoordinator(transport, {"pong", control->body, {}});
    } else if (control->type == "stats") {
      (void)SendToCoordinator(transport, {"stats", NodeStatsToJson(Snapshot()), {}});
    } else if (control->type == "reset") {
      {
        std::lock_guard lock(stats_mutex);
        for (LayerStats& l : stats.layers) l = LayerStats{l.cnn, l.layer, l.name, 0, 0, 0, 0, 0};
        stats.messages_sent = stats.bytes_sent = stats.relayed = 0;
        stats.radio_busy_s = 0;
        stats.stamped_arrivals = stats.late_arrivals = 0;
        stats.late_s = 0;
        stats.entered.clear();
        stats.decided.clear();
      }
      (void)SendToCoordinator(transport, {"reset_done", "{}", {}});
    } else if (control->type == "stop") {
      return true;
    } else {
      Error("unknown control message '" + control->type + "'", &NodeStats::rejected);
    }
    return false;
  }

  NodeStats Snapshot() const {
    std::lock_guard lock(stats_mutex);
    NodeStats s = stats;
    s.rejected += transport->rejected_messages();
    return s;
  }

  // Makes every thread finish the queued work and end.
  void Stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    idle.notify_all();
  }

  void Drain() {
    Stop();
    for (std::thread& t : helpers) t.join();
    helpers.clear();
    if (!held.empty()) {
      Error("stopped with " + std::to_string(held.size()) +
                " message(s) still in emulated transmission: dropped",
            nullptr);
      held.clear();
    }
  }
};

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { impl_->Drain(); }

Result<std::unique_ptr<Node>> Node::Create(VertexDeployment deployment,
                                           transport::Transport* transport,
                                           const KernelRegistry& kernels) {
  auto impl = std::make_unique<Impl>();
  impl->transport = transport;
  impl->stats.vertex = deployment.vertex;
  impl->stats.name = deployment.name;
  impl->stats.slices = deployment.slices.size();
  for (const std::string& bytes : deployment.slices) impl->stats.weight_bytes += bytes.size();
  for (size_t s = 0; s < deployment.slices.size(); ++s) {
    ASSIGN_OR_RETURN(Graph g, ImportOnnxBytes(deployment.slices[s],
                                              deployment.name + " slice " + std::to_string(s)));
    impl->graphs.push_back(std::make_unique<Graph>(std::move(g)));
    ASSIGN_OR_RETURN(Executor ex, Executor::Create(*impl->graphs.back(), kernels));
    impl->executors.push_back(std::move(ex));
  }
  for (size_t i = 0; i < deployment.layers.size(); ++i) {
    const HostedLayer& l = deployment.layers[i];
    impl->hosted[{l.cnn, l.layer}] = i;
    impl->stats.layers.push_back(LayerStats{l.cnn, l.layer, l.name, 0, 0, 0, 0, 0});
  }
  RETURN_IF_ERROR(transport->Connect(kCoordinatorPeer, deployment.coordinator_endpoint));
  const Message hello =
      transport::MakeHello(std::span<const uint16_t>(&transport::kWireVersion, 1));
  RETURN_IF_ERROR(transport->Send(kCoordinatorPeer, hello));
  for (const auto& [peer, endpoint] : deployment.neighbour_endpoints) {
    RETURN_IF_ERROR(transport->Connect(peer, endpoint));
    RETURN_IF_ERROR(transport->Send(peer, hello));
  }
  impl->deployment = std::move(deployment);
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Status Node::Serve() {
  Impl* raw = impl_.get();
  for (int i = 0; i < 2; ++i) impl_->helpers.emplace_back([raw] { raw->RunRoles(); });
  impl_->RunRoles();  // this thread is the third
  impl_->Drain();
  if (!impl_->stop_received) return Status::Ok();
  return SendToCoordinator(impl_->transport, {"stopped", NodeStatsToJson(impl_->Snapshot()), {}});
}

void Node::AcceptPeer(PeerId peer) { impl_->greeted.insert(peer); }

void Node::RequestStop() { impl_->Stop(); }

NodeStats Node::Stats() const { return impl_->Snapshot(); }

}  // namespace distcnn::runtime
