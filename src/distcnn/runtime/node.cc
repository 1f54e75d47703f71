#include "distcnn/runtime/node.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
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

// A FIFO served by one thread; Close() lets it drain, then the thread ends.
template <typename T>
class WorkQueue {
 public:
  void Push(T item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
  }
  // Blocks for the next item; nullopt once closed and empty.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  void Close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
  bool closed_ = false;
};

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
  std::set<PeerId> greeted;                                // peers with an accepted hello
  WorkQueue<Work> compute;
  WorkQueue<Outgoing> radio;
  std::thread compute_thread;
  std::thread radio_thread;
  std::atomic<bool> stop_requested{false};
  mutable std::mutex stats_mutex;
  NodeStats stats;

  void Error(const std::string& message, uint64_t NodeStats::*counter) {
    std::lock_guard lock(stats_mutex);
    if (counter) ++(stats.*counter);
    if (stats.errors.size() < kMaxErrorsKept) stats.errors.push_back(message);
  }

  // Queues a tensor or decision along `path` (vertices after this one); an
  // empty path means it has arrived: decisions go to the coordinator.
  void SendAlong(const std::vector<PeerId>& path, Message message) {
    if (path.empty()) {
      radio.Push(Outgoing{kCoordinatorPeer, std::move(message)});
      return;
    }
    message.header.route.assign(path.begin() + 1, path.end());
    radio.Push(Outgoing{path.front(), std::move(message)});
  }

  void ComputeLoop() {
    while (std::optional<Work> work = compute.Pop()) {
      Work w = std::move(*work);
      // Consecutive layers hosted here run back to back, without a hop.
      while (true) {
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
          if (!overrun) {
            std::this_thread::sleep_until(start + std::chrono::duration<double>(modelled_s));
          }
          total_s = std::chrono::duration<double>(Clock::now() - start).count();
        }
        if (!out.ok()) {
          Error(layer.name + " frame " + std::to_string(w.frame) + ": " + out.status().message(),
                &NodeStats::compute_errors);
          break;
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
          SendAlong(layer.sink_path,
                    MessageFromTensor(y, w.frame, w.cnn, w.layer, MessageKind::kDecision));
          break;
        }
        if (!layer.exit) w.input = std::move(y);  // a gate forwards what it read
        ++w.layer;
        if (!layer.next_path.empty()) {
          SendAlong(layer.next_path,
                    MessageFromTensor(w.input, w.frame, w.cnn, w.layer, MessageKind::kTensor));
          break;
        }
      }
    }
  }

  void RadioLoop() {
    const bool shaped = deployment.emulation != EmulationMode::kOff && deployment.link_bps > 0;
    while (std::optional<Outgoing> out = radio.Pop()) {
      const uint64_t bytes = out->message.payload.size();
      const bool over_the_air = shaped && out->peer != kCoordinatorPeer;
      if (over_the_air) {
        // Store and forward: the payload occupies the radio for bytes * 8 / rate.
        const double tx_s = static_cast<double>(bytes) * 8.0 / deployment.link_bps;
        std::this_thread::sleep_for(std::chrono::duration<double>(tx_s));
        std::lock_guard lock(stats_mutex);
        stats.radio_busy_s += tx_s;
      }
      const PeerId peer = out->peer;
      Status sent = transport->Send(peer, std::move(out->message));
      if (!sent.ok()) {
        Error("send to peer " + std::to_string(peer) + ": " + sent.message(),
              &NodeStats::send_errors);
        continue;
      }
      std::lock_guard lock(stats_mutex);
      ++stats.messages_sent;
      stats.bytes_sent += bytes;
    }
  }

  // Returns true when the node must stop.
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
    if (!m.header.route.empty()) {  // relay
      const PeerId next = m.header.route.front();
      m.header.route.erase(m.header.route.begin());
      {
        std::lock_guard lock(stats_mutex);
        ++stats.relayed;
      }
      radio.Push(Outgoing{next, std::move(m)});
      return false;
    }
    if (m.header.kind == MessageKind::kDecision) {  // this vertex is the sink
      radio.Push(Outgoing{kCoordinatorPeer, std::move(m)});
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
    compute.Push(Work{m.header.cnn, m.header.layer, m.header.frame_id, std::move(*input)});
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

  void Drain() {
    compute.Close();
    if (compute_thread.joinable()) compute_thread.join();
    radio.Close();
    if (radio_thread.joinable()) radio_thread.join();
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
  Impl* raw = impl.get();
  impl->compute_thread = std::thread([raw] { raw->ComputeLoop(); });
  impl->radio_thread = std::thread([raw] { raw->RadioLoop(); });
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Status Node::Serve() {
  while (!impl_->stop_requested.load()) {
    Result<transport::Envelope> envelope = impl_->transport->Receive(Clock::now() + kPollInterval);
    if (!envelope.ok()) {
      if (envelope.status().code() == StatusCode::kUnavailable) continue;  // poll timeout
      impl_->Error(envelope.status().message(), nullptr);  // counted by the transport
      continue;
    }
    if (impl_->Handle(std::move(*envelope))) {
      impl_->Drain();
      return SendToCoordinator(impl_->transport,
                               {"stopped", NodeStatsToJson(impl_->Snapshot()), {}});
    }
  }
  return Status::Ok();
}

void Node::AcceptPeer(PeerId peer) { impl_->greeted.insert(peer); }

void Node::RequestStop() { impl_->stop_requested.store(true); }

NodeStats Node::Stats() const { return impl_->Snapshot(); }

}  // namespace distcnn::runtime
