#include "distcnn/runtime/node.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

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

// A compute job: a whole layer (and the ones after it held here), one part of
// a split layer, or a split layer's merge once every part's result is in.
enum class JobKind { kLayer, kPart, kMerge };

struct Work {
  uint32_t cnn = 0;
  uint32_t layer = 0;
  uint64_t frame = 0;
  Tensor input;  // kLayer, kPart: what it reads
  JobKind kind = JobKind::kLayer;
  size_t part = 0;               // kPart: index into VertexDeployment::parts
  std::vector<Tensor> partials;  // kMerge: every part's result, in part order
  Clock::time_point ready;       // when its input is here (see Node::Impl::Begin)
};

// The parts' results of one frame of a split layer, as they arrive.
struct PendingMerge {
  std::vector<std::optional<Tensor>> partials;
  int have = 0;
  Clock::time_point ready;  // the latest result's
};

// The block `range` of `x` (split_slices.h: contiguous elements, or a band).
Result<Tensor> CutRange(const Tensor& x, const TensorRange& range) {
  return CutTensorRange(x, range);
}

// The merge's input: the parts' blocks concatenated along `axis`, or their sum.
Result<Tensor> CombineParts(const HostedLayer& layer, std::vector<Tensor> partials) {
  Tensor out(layer.combined);
  if (layer.combine == Combine::kSum) {
    for (const Tensor& p : partials) {
      if (p.size() != out.size()) {
        return InvalidArgument("a partial sum of " + std::to_string(p.size()) +
                               " elements for a merge of " + std::to_string(out.size()));
      }
      for (size_t i = 0; i < out.data.size(); ++i) out.data[i] += p.data[i];
    }
    return out;
  }
  const auto axis = static_cast<size_t>(layer.concat_axis);
  int64_t outer = 1, inner = 1, along = 0;
  for (size_t i = 0; i < axis; ++i) outer *= out.shape[i];
  for (size_t i = axis + 1; i < out.shape.size(); ++i) inner *= out.shape[i];
  for (const Tensor& p : partials) {
    if (p.shape.size() != out.shape.size()) {
      return InvalidArgument("a block of shape " + ShapeString(p.shape) + " for a merge of " +
                             ShapeString(out.shape));
    }
    for (size_t i = 0; i < p.shape.size(); ++i) {
      if (i != axis && p.shape[i] != out.shape[i]) {
        return InvalidArgument("a block of shape " + ShapeString(p.shape) + " for a merge of " +
                               ShapeString(out.shape));
      }
    }
    along += p.shape[axis];
  }
  if (along != out.shape[axis]) {
    return InvalidArgument("the blocks hold " + std::to_string(along) + " of the " +
                           std::to_string(out.shape[axis]) + " entries of the merge along axis " +
                           std::to_string(axis));
  }
  auto at = out.data.begin();
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor& p : partials) {
      const int64_t block = p.shape[axis] * inner;
      at = std::copy_n(p.data.begin() + o * block, block, at);
    }
  }
  return out;
}

struct Outgoing {
  PeerId peer = 0;
  Message message;
  Clock::time_point ready;  // when the payload is ready to go (see Node::Impl::Begin)
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
  std::map<std::tuple<uint32_t, uint32_t, int>, size_t> hosted_parts;  // (cnn, layer, part)
  std::map<std::pair<uint32_t, uint32_t>, size_t> fanouts;             // (cnn, layer)
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
  // When the last compute job and the last transmission ended on the emulated
  // timeline (each touched only by the thread holding its resource).
  Clock::time_point compute_free;
  Clock::time_point radio_free;
  bool receiving = false;
  bool stopping = false;       // stop or RequestStop(): drain the queues, then end
  bool stop_received = false;  // the coordinator's stop, which Serve() answers
  // The plan epoch it serves (VertexDeployment::epoch, then kEpoch messages).
  // Messages it makes carry it; tensors of another epoch are dropped.
  uint32_t epoch = 0;
  // Split layers merged here: the parts' results per (cnn, layer, frame).
  std::map<std::tuple<uint32_t, uint32_t, uint64_t>, PendingMerge> pending;

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
      // The job holds its resource from `start` on (see Begin): under
      // emulation the wait for the modelled time absorbs the cost of waking a
      // follower and of handing the job over.
      std::optional<Outgoing> out;
      std::optional<Work> work;
      uint32_t work_epoch = 0;  // SwitchEpoch empties the queue: the job's epoch
      Clock::time_point start;
      if (role == Role::kRadio) {
        transmitting = true;
        out = std::move(radio_queue.front());
        radio_queue.pop_front();
        start = Begin(out->ready, radio_free);
      } else {
        computing = true;
        work = std::move(compute_queue.front());
        compute_queue.pop_front();
        work_epoch = epoch;
        start = Begin(work->ready, compute_free);
      }
      const bool wake_follower = FreeRole() != Role::kNone;
      lock.unlock();
      if (wake_follower) idle.notify_one();
      if (work) {
        Clock::time_point end = start;
        std::vector<Outgoing> outs = Compute(std::move(*work), start, end);
        lock.lock();
        computing = false;
        compute_free = end;
        // Radio first: this thread sends them (a scatter's, one after another).
        // Outputs of a job that began under an earlier epoch are stale.
        for (Outgoing& o : outs) {
          if (!transport::IsTensorKind(o.message.header.kind)) {
            radio_queue.push_back(std::move(o));
          } else if (work_epoch == epoch) {
            o.message.header.epoch = epoch;
            radio_queue.push_back(std::move(o));
          } else {
            std::lock_guard stats_lock(stats_mutex);
            ++stats.stale_dropped;
          }
        }
      } else {
        const Clock::time_point end = Transmit(std::move(*out), start);
        lock.lock();
        transmitting = false;
        radio_free = end;
      }
    }
  }

  // When a job whose input was there at `ready` starts on a resource whose last
  // job ended at `free`: as the model has it, not when a thread got to it. The
  // times are the emulated ones (a modelled arrival, the modelled end of a
  // computation or transmission), so the host's own time between two jobs (a
  // thread waking up, a hand-over, a transport slower than the modelled
  // airtime) overlaps the next modelled wait instead of adding to it. Never
  // after now: every job is taken at or after both times.
  static Clock::time_point Begin(Clock::time_point ready, Clock::time_point free) {
    return std::min(std::max(ready, free), Clock::now());
  }

  // The role this thread should take now (radio first: it holds finished
  // results), or kNone. Caller holds `mutex`.
  Role FreeRole() const {
    if (!transmitting && !radio_queue.empty()) return Role::kRadio;
    if (!computing && !compute_queue.empty()) return Role::kCompute;
    if (!receiving && !stopping) return Role::kReceive;
    return Role::kNone;
  }

  // A thread queues work only while it holds a role; it looks for a free one
  // (radio first, then compute) as soon as it is done, so no one is woken here.
  void Push(Work work) {
    std::lock_guard lock(mutex);
    compute_queue.push_back(std::move(work));
  }
  // From the receive role, which also switches epochs: what it queues
  // belongs to the current one.
  void Push(Outgoing out) {
    std::lock_guard lock(mutex);
    if (transport::IsTensorKind(out.message.header.kind)) out.message.header.epoch = epoch;
    radio_queue.push_back(std::move(out));
  }

  uint32_t CurrentEpoch() {
    std::lock_guard lock(mutex);
    return epoch;
  }

  // kEpoch: frames in flight under the old plan are dropped here, queued or
  // waiting for parts; a compute job running now drops its outputs (RunRoles).
  void SwitchEpoch(uint32_t next) {
    uint64_t dropped = 0;
    {
      std::lock_guard lock(mutex);
      epoch = next;
      dropped += compute_queue.size() + pending.size();
      compute_queue.clear();
      pending.clear();
      for (auto it = radio_queue.begin(); it != radio_queue.end();) {
        if (transport::IsTensorKind(it->message.header.kind) && it->message.header.epoch != next) {
          it = radio_queue.erase(it);
          ++dropped;
        } else {
          ++it;
        }
      }
    }
    std::lock_guard lock(stats_mutex);
    stats.stale_dropped += dropped;
  }

  // Addresses a tensor or decision, ready to go at `ready`, along `path`
  // (vertices after this one); an empty path means it has arrived: decisions
  // go to the coordinator.
  static Outgoing Along(const std::vector<PeerId>& path, Message message, Clock::time_point ready) {
    if (path.empty()) return Outgoing{kCoordinatorPeer, std::move(message), ready};
    message.header.route.assign(path.begin() + 1, path.end());
    return Outgoing{path.front(), std::move(message), ready};
  }

  // Runs slice `slice` on `x`, relabelled to the slice's input shape when it
  // has the same number of elements (the shape ops a split part leaves out).
  Result<Tensor> RunSlice(int slice, Tensor x) const {
    const Graph& g = *graphs[static_cast<size_t>(slice)];
    const TensorInfo& in = g.inputs.front();
    if (x.shape != in.shape && x.size() == NumElements(in.shape)) x.shape = in.shape;
    ASSIGN_OR_RETURN(TensorMap out,
                     executors[static_cast<size_t>(slice)].Run({{in.name, std::move(x)}}));
    return std::move(out.at(g.outputs.front().name));
  }

  // How a compute job that started at `start` (see Begin) and ran its kernels
  // for `real_s` ended: when and how long it took (under compute emulation on
  // the emulated timeline: start + the modelled c / e, or + real_s if the
  // kernels overran it, waiting until then; else now and real_s) and whether
  // it overran. The host's own lag is the next job's to absorb (see Begin).
  struct Stretched {
    Clock::time_point end;
    double total_s = 0;
    bool overrun = false;
  };
  Stretched Stretch(Clock::time_point start, double real_s, double mults) const {
    if (deployment.emulation != EmulationMode::kFull || deployment.mults_per_s <= 0) {
      return {Clock::now(), real_s, false};
    }
    const double modelled_s = mults / deployment.mults_per_s;
    const bool overrun = real_s > modelled_s;
    const double total_s = overrun ? real_s : modelled_s;
    const Clock::time_point end = start + Seconds(total_s);
    WaitUntil(end);
    return {end, total_s, overrun};
  }

  void Count(size_t stats_index, double total_s, double real_s, bool overrun, bool exit) {
    std::lock_guard lock(stats_mutex);
    LayerStats& s = stats.layers[stats_index];
    ++s.runs;
    s.compute_s += total_s;
    s.real_compute_s += real_s;
    s.overruns += overrun ? 1 : 0;
    if (exit) ++s.exits;
  }

  // Sends `x`, the input of layer `layer`, here from `ready` on, to each of
  // `sends` (a whole layer, or the parts of a split one: its scatter, cut per
  // part for in_channels). A destination here is queued for compute; the rest
  // is returned for the radio.
  std::vector<Outgoing> Dispatch(uint32_t cnn, uint32_t layer, uint64_t frame, Tensor x,
                                 const std::vector<Send>& sends, Clock::time_point ready) {
    std::vector<Outgoing> out;
    for (size_t i = 0; i < sends.size(); ++i) {
      const Send& send = sends[i];
      Tensor t;
      if (send.range) {
        Result<Tensor> cut = CutRange(x, *send.range);
        if (!cut.ok()) {
          Error("cnn " + std::to_string(cnn) + " layer " + std::to_string(layer) + " part " +
                    std::to_string(send.part) + " frame " + std::to_string(frame) + ": " +
                    cut.status().message(),
                &NodeStats::compute_errors);
          continue;
        }
        t = std::move(*cut);
      } else {
        t = i + 1 == sends.size() ? std::move(x) : x;
      }
      if (!send.path.empty()) {
        out.push_back(
            Along(send.path,
                  MessageFromTensor(t, frame, cnn, layer, MessageKind::kTensor, send.part), ready));
      } else if (send.part == transport::kNoPart) {
        Push(Work{cnn, layer, frame, std::move(t), JobKind::kLayer, 0, {}, ready});
      } else if (auto it = hosted_parts.find({cnn, layer, send.part}); it != hosted_parts.end()) {
        Push(Work{cnn, layer, frame, std::move(t), JobKind::kPart, it->second, {}, ready});
      } else {
        Error("cnn " + std::to_string(cnn) + " layer " + std::to_string(layer) + ": part " +
                  std::to_string(send.part) + " is not here",
              &NodeStats::compute_errors);
      }
    }
    return out;
  }

  // Files part `part`'s result, here from `ready` on, for the merge of (cnn,
  // layer) here; queues the merge when it completes the frame.
  void AddPartial(uint32_t cnn, uint32_t layer, uint64_t frame, int part, Tensor result,
                  Clock::time_point ready) {
    auto it = hosted.find({cnn, layer});
    const HostedLayer* merge = it == hosted.end() ? nullptr : &deployment.layers[it->second];
    if (!merge || merge->combine == Combine::kNone || part < 0 || part >= merge->parts) {
      Error("part " + std::to_string(part) + " of cnn " + std::to_string(cnn) + " layer " +
                std::to_string(layer) + ": no such merge here",
            &NodeStats::rejected);
      return;
    }
    std::string duplicate;
    {
      std::lock_guard lock(mutex);
      PendingMerge& p = pending[{cnn, layer, frame}];
      if (p.partials.empty()) p.partials.resize(static_cast<size_t>(merge->parts));
      std::optional<Tensor>& slot = p.partials[static_cast<size_t>(part)];
      if (slot) {
        duplicate = merge->name + " frame " + std::to_string(frame) + ": part " +
                    std::to_string(part) + " arrived twice";
      } else {
        slot = std::move(result);
        p.ready = std::max(p.ready, ready);
        if (++p.have == merge->parts) {
          Work w{cnn, layer, frame, {}, JobKind::kMerge, 0, {}, p.ready};
          for (std::optional<Tensor>& t : p.partials) w.partials.push_back(std::move(*t));
          pending.erase({cnn, layer, frame});
          compute_queue.push_back(std::move(w));
        }
      }
    }
    if (!duplicate.empty()) Error(duplicate, &NodeStats::rejected);
  }

  // Runs part `w.part` of a split layer from `start` on (see Begin), sets `end`
  // (see Stretch) and sends its result to the merge unit (or files it, when
  // that is here).
  std::vector<Outgoing> ComputePart(Work w, Clock::time_point start, Clock::time_point& end) {
    const HostedPart& part = deployment.parts[w.part];
    const size_t stats_index = deployment.layers.size() + w.part;
    const auto kernels = Clock::now();
    Result<Tensor> y =
        part.input ? CutRange(w.input, *part.input) : Result<Tensor>(std::move(w.input));
    for (size_t i = 0; i < part.slices.size() && y.ok(); ++i) {
      y = RunSlice(part.slices[i], std::move(*y));
    }
    const double real_s = std::chrono::duration<double>(Clock::now() - kernels).count();
    const Stretched done = Stretch(start, real_s, part.mults);
    end = done.end;
    if (!y.ok()) {
      Error(part.name + " frame " + std::to_string(w.frame) + ": " + y.status().message(),
            &NodeStats::compute_errors);
      return {};
    }
    Count(stats_index, done.total_s, real_s, done.overrun, false);
    if (part.gather_path.empty()) {
      AddPartial(w.cnn, part.merge_layer, w.frame, part.part, std::move(*y), end);
      return {};
    }
    std::vector<Outgoing> out;
    out.push_back(Along(
        part.gather_path,
        MessageFromTensor(*y, w.frame, w.cnn, part.merge_layer, MessageKind::kPartial, part.part),
        end));
    return out;
  }

  // Runs `w`'s layer (a whole layer, or a split layer's merge) and any
  // following layers this unit holds (back to back, without a hop), the first
  // one from `start` on (see Begin), each of the others from the end of the
  // one before; sets `end` to the last one's (see Stretch) and returns what
  // goes on the radio.
  std::vector<Outgoing> Compute(Work w, Clock::time_point start, Clock::time_point& end) {
    if (w.kind == JobKind::kPart) return ComputePart(std::move(w), start, end);
    for (auto layer_start = start;; layer_start = end) {
      const size_t index = hosted.at({w.cnn, w.layer});
      const HostedLayer& layer = deployment.layers[index];
      const auto kernels = Clock::now();
      const bool merge = w.kind == JobKind::kMerge;
      Result<Tensor> out =
          merge ? CombineParts(layer, std::move(w.partials)) : RunSlice(layer.slice, w.input);
      if (merge && out.ok() && layer.slice >= 0) out = RunSlice(layer.slice, std::move(*out));
      const double real_s = std::chrono::duration<double>(Clock::now() - kernels).count();
      const Stretched done = Stretch(layer_start, real_s, layer.mults);
      end = done.end;
      if (!out.ok()) {
        Error(layer.name + " frame " + std::to_string(w.frame) + ": " + out.status().message(),
              &NodeStats::compute_errors);
        return {};
      }
      Tensor y = std::move(*out);
      bool exits = layer.last;
      if (layer.exit) exits = GateConfidence(y) >= layer.exit_threshold;
      Count(index, done.total_s, real_s, done.overrun, layer.exit && exits);
      if (exits) {
        std::vector<Outgoing> decision;
        decision.push_back(
            Along(layer.sink_path,
                  MessageFromTensor(y, w.frame, w.cnn, w.layer, MessageKind::kDecision), end));
        return decision;
      }
      if (!layer.exit) w.input = std::move(y);  // a gate forwards what it read
      ++w.layer;
      w.kind = JobKind::kLayer;
      // The next layer whole on this unit: run it now, without a hop.
      if (layer.next.size() == 1 && layer.next.front().path.empty() &&
          layer.next.front().part == transport::kNoPart && !layer.next.front().range) {
        continue;
      }
      return Dispatch(w.cnn, w.layer, w.frame, std::move(w.input), layer.next, end);
    }
  }

  void Stamp(std::vector<FrameStamp> NodeStats::*stamps, const transport::Header& h) {
    const int64_t now = transport::SteadyNs(Clock::now());
    std::lock_guard lock(stats_mutex);
    (stats.*stamps).push_back(FrameStamp{h.cnn, h.frame_id, now});
  }

  // Sends `out`; under emulation a payload over the air occupies the radio for
  // bytes * 8 / rate from `start` on (see Begin; store and forward). To a peer
  // that shares this clock it leaves at once, stamped with the end of that
  // time, and the peer holds it until then: the host's own transport time then
  // overlaps the modelled transmission instead of adding to it. To any other
  // peer it leaves once that time has passed. Returns when the radio is free
  // again on the emulated timeline (`start` when the payload took no airtime).
  Clock::time_point Transmit(Outgoing out, Clock::time_point start) {
    const uint64_t bytes = out.message.payload.size();
    const PeerId peer = out.peer;
    out.message.header.arrival_ns = 0;  // a relayed message carries the last hop's
    std::optional<Clock::time_point> tx_end;
    if (deployment.emulation != EmulationMode::kOff && deployment.link_bps > 0 &&
        peer != kCoordinatorPeer) {
      const double tx_s = static_cast<double>(bytes) * 8.0 / deployment.link_bps;
      tx_end = start + Seconds(tx_s);
      if (deployment.clock_peers.count(peer)) {
        out.message.header.arrival_ns = static_cast<uint64_t>(transport::SteadyNs(*tx_end));
      } else {
        WaitUntil(*tx_end);
      }
      std::lock_guard lock(stats_mutex);
      stats.radio_busy_s += tx_s;
    }
    if (peer == kCoordinatorPeer && out.message.header.kind == MessageKind::kDecision) {
      Stamp(&NodeStats::decided, out.message.header);  // the sink has it; the rest is harness
    }
    Status sent = transport->Send(peer, std::move(out.message));
    if (tx_end) WaitUntil(*tx_end);  // no-op unless sent ahead of its arrival
    if (!sent.ok()) {
      Error("send to peer " + std::to_string(peer) + ": " + sent.message(),
            &NodeStats::send_errors);
    } else {
      std::lock_guard lock(stats_mutex);
      ++stats.messages_sent;
      stats.bytes_sent += bytes;
    }
    return tx_end.value_or(start);
  }

  // Handles the held message that is due, if any, else waits up to the poll
  // interval (or until the next held message is due) for a message and handles
  // it, or holds it while its emulated transmission lasts. Returns true when
  // the node must stop.
  bool ReceiveAndHandle() {
    if (!held.empty() && held.begin()->first <= Clock::now() + kSpinTail) {
      auto due = held.extract(held.begin());
      WaitUntil(due.key());
      return Handle(std::move(due.mapped()), due.key());
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
      return Handle(std::move(*envelope), *arrival);  // late: it was due then
    }
    return Handle(std::move(*envelope), Clock::now());
  }

  // When `envelope`'s emulated transmission ends, if its sender shares this
  // clock and stamped it.
  std::optional<Clock::time_point> Arrival(const transport::Envelope& envelope) const {
    const uint64_t ns = envelope.message.header.arrival_ns;
    if (ns == 0 || !deployment.clock_peers.count(envelope.from)) return std::nullopt;
    return transport::FromSteadyNs(static_cast<int64_t>(ns));
  }

  // Queues what `envelope`, here from `ready` on (its emulated arrival, or
  // when it was received), asks for; returns true when the node must stop.
  bool Handle(transport::Envelope envelope, Clock::time_point ready) {
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
    if (m.header.epoch != CurrentEpoch()) {  // computed or routed under another plan
      std::lock_guard lock(stats_mutex);
      ++stats.stale_dropped;
      return false;
    }
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
      Push(Outgoing{next, std::move(m), ready});
      return false;
    }
    if (m.header.kind == MessageKind::kDecision) {  // this vertex is the sink
      Push(Outgoing{kCoordinatorPeer, std::move(m), ready});
      return false;
    }
    const transport::Header& h = m.header;
    const std::string what =
        "cnn " + std::to_string(h.cnn) + " layer " + std::to_string(h.layer) +
        (h.part == transport::kNoPart ? "" : " part " + std::to_string(h.part));
    // What the tensor is for: a whole layer, a part (its scatter), a merge (a
    // part's result) or, at a source vertex, a split first layer's scatter.
    const auto layer = hosted.find({h.cnn, h.layer});
    const bool whole = h.kind == MessageKind::kTensor && h.part == transport::kNoPart &&
                       layer != hosted.end() &&
                       deployment.layers[layer->second].combine == Combine::kNone;
    const auto part = hosted_parts.find({h.cnn, h.layer, h.part});
    const bool to_part = h.kind == MessageKind::kTensor && part != hosted_parts.end();
    const auto fanout = fanouts.find({h.cnn, h.layer});
    const bool to_fanout =
        h.kind == MessageKind::kTensor && h.part == transport::kNoPart && fanout != fanouts.end();
    if (!whole && !to_part && !to_fanout && h.kind != MessageKind::kPartial) {
      Error(std::string(h.kind == MessageKind::kTensor ? "tensor" : "message") + " for " + what +
                " from peer " + std::to_string(from) + ": no such layer here",
            &NodeStats::rejected);
      return false;
    }
    Result<Tensor> input = TensorFromMessage(m);
    if (!input.ok()) {
      Error(input.status().message(), &NodeStats::rejected);
      return false;
    }
    if (h.kind == MessageKind::kPartial) {
      AddPartial(h.cnn, h.layer, h.frame_id, h.part, std::move(*input), ready);
    } else if (whole) {
      Push(Work{h.cnn, h.layer, h.frame_id, std::move(*input), JobKind::kLayer, 0, {}, ready});
    } else if (to_part) {
      Push(Work{
          h.cnn, h.layer, h.frame_id, std::move(*input), JobKind::kPart, part->second, {}, ready});
    } else {
      for (Outgoing& o : Dispatch(h.cnn, h.layer, h.frame_id, std::move(*input),
                                  deployment.fanouts[fanout->second].sends, ready)) {
        Push(std::move(o));
      }
    }
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
    switch (control->type) {
      case ControlType::kPing:
        (void)SendToCoordinator(transport, {ControlType::kPong, control->body, {}});
        return false;
      case ControlType::kStats:
        (void)SendToCoordinator(transport, {ControlType::kStats, NodeStatsToJson(Snapshot()), {}});
        return false;
      case ControlType::kReset:
        ResetStats();
        (void)SendToCoordinator(transport, {ControlType::kResetDone, "{}", {}});
        return false;
      case ControlType::kEpoch: {
        const nlohmann::json body = nlohmann::json::parse(control->body, nullptr, false);
        const auto next = body.find("epoch");
        if (next == body.end() || !next->is_number_unsigned() ||
            next->get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
          Error("epoch message without a valid \"epoch\": " + control->body, &NodeStats::rejected);
          return false;
        }
        SwitchEpoch(next->get<uint32_t>());
        (void)SendToCoordinator(transport, {ControlType::kEpochSet, control->body, {}});
        return false;
      }
      case ControlType::kStop:
        return true;
      default:
        Error("unexpected control message '" + std::string(ControlTypeName(control->type)) + "'",
              &NodeStats::rejected);
        return false;
    }
  }

  void ResetStats() {
    std::lock_guard lock(stats_mutex);
    for (LayerStats& l : stats.layers) {
      l = LayerStats{l.cnn, l.layer, l.name, 0, 0, 0, 0, 0, l.part};
    }
    stats.messages_sent = stats.bytes_sent = stats.relayed = 0;
    stats.radio_busy_s = 0;
    stats.stamped_arrivals = stats.late_arrivals = 0;
    stats.late_s = 0;
    stats.entered.clear();
    stats.decided.clear();
  }

  NodeStats Snapshot() const {
    std::lock_guard lock(stats_mutex);
    NodeStats s = stats;
    s.rejected += transport->rejected_messages();
    s.refused_peers += transport->refused_peers();  // CURVE: keys it does not accept
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
    if (!pending.empty()) {
      Error("stopped with " + std::to_string(pending.size()) +
                " frame(s) of split layers still waiting for parts: dropped",
            nullptr);
      pending.clear();
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
  for (size_t s = 0; s < deployment.slices.size(); ++s) {
    ASSIGN_OR_RETURN(Graph g, ImportOnnxBytes(deployment.slices[s],
                                              deployment.name + " slice " + std::to_string(s)));
    impl->stats.weight_bytes += static_cast<uint64_t>(WeightBytes(g));
    impl->graphs.push_back(std::make_unique<Graph>(std::move(g)));
    ASSIGN_OR_RETURN(Executor ex, Executor::Create(*impl->graphs.back(), kernels));
    impl->executors.push_back(std::move(ex));
  }
  for (size_t i = 0; i < deployment.layers.size(); ++i) {
    const HostedLayer& l = deployment.layers[i];
    impl->hosted[{l.cnn, l.layer}] = i;
    impl->stats.layers.push_back(LayerStats{l.cnn, l.layer, l.name, 0, 0, 0, 0, 0});
  }
  // A part's statistics follow the layers' (ComputePart's index).
  for (size_t i = 0; i < deployment.parts.size(); ++i) {
    const HostedPart& p = deployment.parts[i];
    impl->hosted_parts[{p.cnn, p.layer, p.part}] = i;
    impl->stats.layers.push_back(LayerStats{p.cnn, p.layer, p.name, 0, 0, 0, 0, 0, p.part});
  }
  for (size_t i = 0; i < deployment.fanouts.size(); ++i) {
    impl->fanouts[{deployment.fanouts[i].cnn, deployment.fanouts[i].layer}] = i;
  }
  RETURN_IF_ERROR(transport->Connect(kCoordinatorPeer, deployment.coordinator_endpoint));
  const Message hello =
      transport::MakeHello(std::span<const uint16_t>(&transport::kWireVersion, 1));
  RETURN_IF_ERROR(transport->Send(kCoordinatorPeer, hello));
  for (const auto& [peer, endpoint] : deployment.neighbour_endpoints) {
    RETURN_IF_ERROR(transport->Connect(peer, endpoint));
    RETURN_IF_ERROR(transport->Send(peer, hello));
  }
  impl->epoch = deployment.epoch;
  impl->deployment = std::move(deployment);
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Status Node::Serve() {
  Impl* raw = impl_.get();
  for (int i = 0; i < 2; ++i) impl_->helpers.emplace_back([raw] { raw->RunRoles(); });
  impl_->RunRoles();  // this thread is the third
  impl_->Drain();
  if (!impl_->stop_received) return Status::Ok();
  return SendToCoordinator(impl_->transport,
                           {ControlType::kStopped, NodeStatsToJson(impl_->Snapshot()), {}});
}

void Node::AcceptPeer(PeerId peer) { impl_->greeted.insert(peer); }

void Node::RequestStop() { impl_->Stop(); }

NodeStats Node::Stats() const { return impl_->Snapshot(); }

std::set<PeerId> Node::Greeted() const { return impl_->greeted; }

}  // namespace distcnn::runtime
