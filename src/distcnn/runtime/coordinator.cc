#include "distcnn/runtime/coordinator.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <set>
#include <thread>
#include <utility>

#include "distcnn/placement/plan_repair.h"
#include "distcnn/runtime/awake_cpus.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/frame_window.h"
#include "distcnn/runtime/local_cluster.h"
#include "distcnn/runtime/node.h"
#include "distcnn/runtime/node_key_files.h"
#include "distcnn/runtime/process_memory.h"
#include "distcnn/runtime/random_input.h"
#include "distcnn/runtime/run_summary.h"
#include "distcnn/runtime/tensor_codec.h"
#include "distcnn/transport/zmq/zmq_transport.h"

namespace distcnn::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using transport::Message;
using transport::MessageKind;
using transport::ZmqTransport;

constexpr auto kStartTimeout = std::chrono::milliseconds(20000);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr auto kInterruptGrace = std::chrono::seconds(2);  // for frames in flight
constexpr int kProbeEvery = 5;  // heartbeats between probes of a failed node

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// "12.5 s"
std::string SecondsText(Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", Seconds(d));
  return buf;
}

// One vertex taking part in the run and how it is reached.
struct Participant {
  PeerId vertex = 0;
  std::string name;
  std::string endpoint;
  std::optional<size_t> process;  // index in the LocalCluster
  bool remote = false;
  bool in_process = false;  // a source or sink vertex served by this process
  Clock::time_point last_seen;
  bool deployed = false;                            // acknowledged its first deployment
  bool serving = false;                             // a deployment of this run is running there now
  bool stopped = false;                             // reported its final statistics at the end
  bool dead = false;                                // failed during the run
  bool probing = false;                             // dead, and asked whether it is back (rejoin)
  std::optional<Clock::time_point> fault_injected;  // RunOptions::faults
};

// What the coordinator waits for after a (re)deployment: (vertex, reply).
using Expected = std::set<std::pair<PeerId, ControlType>>;

// RunOptions::monolithic: a CNN's whole model, run in the coordinator.
struct MonolithicTwin {
  std::unique_ptr<Graph> graph;  // the executor points into it
  Executor executor;
  std::vector<double> seconds;  // per measured frame
};

class Coordinator {
 public:
  Coordinator(const Problem& problem, const Plan& plan, RunModels models,
              const Evaluation& predicted, const RunOptions& options)
      : original_(problem),
        problem_(problem),
        plan_(plan),
        programs_(std::move(models.programs)),
        whole_models_(std::move(models.whole)),
        predicted_(predicted),
        options_(options),
        frames_(problem.cnns.size(), options.in_flight),
        cluster_(options.program.empty() ? SelfExecutable() : options.program, options.node_args) {}

  ~Coordinator() {
    for (auto& [vertex, node] : in_process_) node->RequestStop();
    for (auto& [vertex, t] : serve_threads_) {
      if (t.joinable()) t.join();
    }
  }

  Result<RunReport> Run() {
    if (options_.monolithic && options_.in_flight != 1) {
      return InvalidArgument(
          "--monolithic times the whole model between frames: it needs "
          "--in-flight 1, not " +
          std::to_string(options_.in_flight));
    }
    if (options_.keep_cpus_awake) {
      ASSIGN_OR_RETURN(AwakeCpus awake, AwakeCpus::Request());
      awake_.emplace(std::move(awake));
      report_.cpus_kept_awake = true;
    }
    report_.scenario = options_.scenario_name;
    report_.emulation = options_.emulation;
    report_.in_flight = options_.in_flight;
    report_.rate_fps = options_.rate_fps;
    report_.warmup = options_.warmup;
    RETURN_IF_ERROR(Prepare());
    RETURN_IF_ERROR(Launch());
    RETURN_IF_ERROR(Deploy());
    Stream();
    Shutdown();
    report_.refused_peers = control_->refused_peers();
    Summarise();
    return std::move(report_);
  }

 private:
  void Progress(const std::string& line) {
    if (options_.progress) options_.progress(line);
  }

  Status Prepare() {
    for (size_t c = 0; c < problem_.cnns.size(); ++c) active_.push_back(c);
    if (programs_.size() != problem_.cnns.size() ||
        (options_.monolithic && whole_models_.size() != programs_.size())) {
      return InvalidArgument("run: the models do not match the problem's CNNs");
    }
    for (size_t c = 0; options_.monolithic && c < programs_.size(); ++c) {
      auto graph = std::make_unique<Graph>(std::move(whole_models_[c]));
      ASSIGN_OR_RETURN(Executor executor, Executor::Create(*graph, *options_.kernels));
      twins_.push_back(MonolithicTwin{std::move(graph), std::move(executor), {}});
    }
    std::vector<GateCalibration> gates;
    if (options_.calibration_frames > 0) Progress("calibrating gate thresholds");
    ASSIGN_OR_RETURN(thresholds_,
                     CalibrateGates(problem_, programs_, options_.calibration_frames,
                                    options_.calibration_seed, *options_.kernels, &gates));
    ASSIGN_OR_RETURN(deployments_,
                     BuildDeployments(problem_, plan_, programs_, thresholds_, options_.emulation));
    for (size_t c = 0; c < problem_.cnns.size(); ++c) {
      CnnRunReport r;
      r.name = problem_.cnns[c].name;
      r.model = programs_[c].model;
      r.predicted = predicted_.cnns[c];
      r.frames_planned = options_.frames;
      for (const GateCalibration& g : gates) {
        if (g.cnn == c) {
          r.gates.push_back(GateReport{g, problem_.cnns[c].layers[g.layer].exit_prob, 0, 0});
        }
      }
      report_.cnns.push_back(std::move(r));
    }
    for (const auto& [vertex, d] : deployments_) {
      std::vector<std::string>& names = report_.planned_layers[d.name];
      for (const HostedLayer& l : d.layers) names.push_back(l.name);
      for (const HostedPart& p : d.parts) names.push_back(p.name);
    }
    return Status::Ok();
  }

  // CURVE options of an endpoint of this process with `keys` (none: keys off).
  std::optional<transport::ZmqCurveOptions> Curve(const transport::CurveKeyPair& keys) {
    if (!options_.curve_keys) return std::nullopt;
    return transport::ZmqCurveOptions{
        keys, false, [this](const std::string& line) { Progress("CURVE: " + line); }};
  }

  // CURVE: every vertex's public key; each endpoint trusts the coordinator and
  // its neighbours that run, and the coordinator every vertex (docs/security.md).
  Status TrustKeys(const std::map<PeerId, std::string>& public_keys) {
    for (auto& [vertex, d] : deployments_) {
      RETURN_IF_ERROR(control_zmq_->TrustPeer(vertex, public_keys.at(vertex)));
      if (auto t = hosted_zmq_.find(vertex); t != hosted_zmq_.end()) {
        RETURN_IF_ERROR(t->second->TrustPeer(kCoordinatorPeer, options_.curve_keys->public_key));
        for (const auto& [peer, key] : d.peer_keys) {
          RETURN_IF_ERROR(t->second->TrustPeer(peer, key));
        }
      }
    }
    return Status::Ok();
  }

  Status Launch() {
    report_.curve = options_.curve_keys.has_value();
    const transport::CurveKeyPair own = options_.curve_keys.value_or(transport::CurveKeyPair{});
    if (options_.in_process_transports) {
      ASSIGN_OR_RETURN(control_, options_.in_process_transports(kCoordinatorPeer));
    } else {
      ASSIGN_OR_RETURN(std::unique_ptr<ZmqTransport> zmq,
                       ZmqTransport::Create(kCoordinatorPeer, options_.bind, Curve(own)));
      control_zmq_ = zmq.get();
      control_ = std::move(zmq);
    }
    std::vector<std::string> unknown;
    for (const auto& [name, endpoint] : options_.remote_endpoints) {
      bool found = false;
      for (const auto& [vertex, d] : deployments_) found = found || d.name == name;
      if (!found) unknown.push_back(name);
    }
    if (!unknown.empty()) {
      return InvalidArgument("--nodes names unit '" + unknown.front() +
                             "', which takes no part in this plan or does not exist");
    }
    for (auto& [vertex, d] : deployments_) RETURN_IF_ERROR(AddParticipant(vertex, d.name));
    WireLinks(deployments_);
    if (options_.curve_keys) RETURN_IF_ERROR(TrustKeys(public_keys_));
    return Status::Ok();
  }

  // Starts (or finds) the process that serves `vertex`: an in-process node
  // for a source or sink vertex, a --nodes endpoint, or a local process.
  Status AddParticipant(PeerId vertex, const std::string& name) {
    Participant p;
    p.vertex = vertex;
    p.name = name;
    transport::CurveKeyPair keys;
    if (options_.curve_keys && !options_.remote_endpoints.count(name)) {
      ASSIGN_OR_RETURN(keys, transport::GenerateCurveKeyPair());
      public_keys_[vertex] = keys.public_key;
    }
    if (options_.in_process_transports) {
      p.in_process = true;
      ASSIGN_OR_RETURN(hosted_transports_[vertex], options_.in_process_transports(vertex));
      p.endpoint = "inproc:" + name;
    } else if (vertex >= problem_.num_units()) {
      p.in_process = true;
      ASSIGN_OR_RETURN(std::unique_ptr<ZmqTransport> t,
                       ZmqTransport::Create(vertex, options_.bind, Curve(keys)));
      p.endpoint = t->endpoint();
      hosted_zmq_[vertex] = t.get();
      hosted_transports_[vertex] = std::move(t);
    } else if (auto it = options_.remote_endpoints.find(name);
               it != options_.remote_endpoints.end()) {
      p.remote = true;
      p.endpoint = it->second;
      if (options_.curve_keys) {
        auto key = options_.node_public_keys.find(name);
        if (key == options_.node_public_keys.end()) {
          return InvalidArgument("no CURVE public key for node " + name + " at " + p.endpoint);
        }
        public_keys_[vertex] = key->second;
      }
    } else {
      Progress("starting node " + name);
      const std::string key_id = "vertex" + std::to_string(vertex);
      std::vector<std::string> key_flags;
      if (options_.curve_keys) {
        ASSIGN_OR_RETURN(key_flags,
                         key_files_.Write(key_id, keys, options_.curve_keys->public_key));
      }
      Result<size_t> started = cluster_.Start(name, kStartTimeout, key_flags);
      key_files_.Remove(key_id);  // read before the node printed its endpoint
      ASSIGN_OR_RETURN(size_t index, std::move(started));
      p.process = index;
      p.endpoint = cluster_.node(index).endpoint;
      ++report_.processes;
    }
    participants_[vertex] = std::move(p);
    return Status::Ok();
  }

  // Every vertex learns the coordinator's endpoint, the endpoints of its
  // neighbours that take part and have not failed, and which of them share
  // its clock (both on this host).
  void WireLinks(std::map<PeerId, VertexDeployment>& deployments) {
    for (auto& [vertex, d] : deployments) {
      d.coordinator_endpoint = ControlEndpoint();
      const bool local = !participants_.at(vertex).remote;
      for (int n : problem_.system.graph.Neighbours(vertex)) {
        auto it = participants_.find(static_cast<PeerId>(n));
        if (it == participants_.end() || it->second.dead) continue;
        d.neighbour_endpoints[it->first] = it->second.endpoint;
        if (local && !it->second.remote) d.clock_peers.insert(it->first);
        if (auto key = public_keys_.find(it->first); key != public_keys_.end()) {
          d.peer_keys[it->first] = key->second;
        }
      }
    }
  }

  // "node n03 at tcp://...; node n05 at ..." for every vertex in `expected`.
  std::string Names(const Expected& expected) const {
    std::string out;
    std::set<PeerId> named;
    for (const auto& [vertex, reply] : expected) {
      if (!named.insert(vertex).second) continue;
      const Participant& p = participants_.at(vertex);
      out += (out.empty() ? "" : "; ") + ("node " + p.name + " at " + p.endpoint);
    }
    return out;
  }

  std::string ControlEndpoint() const {
    return control_zmq_ ? control_zmq_->endpoint() : "inproc:coordinator";
  }

  // Connects the control link to `vertex` and greets it.
  Status Greet(PeerId vertex) {
    const Participant& p = participants_.at(vertex);
    const std::string node = "node " + p.name + " at " + p.endpoint;
    const Message hello =
        transport::MakeHello(std::span<const uint16_t>(&transport::kWireVersion, 1));
    RETURN_IF_ERROR(control_->Connect(vertex, p.endpoint).WithContext(node));
    return control_->Send(vertex, hello).WithContext(node);
  }

  // Sends `d` to its vertex (an in-process one starts serving at once) and
  // notes the acknowledgement to wait for.
  Status StartDeployment(PeerId vertex, const VertexDeployment& d, Expected* expected) {
    Participant& p = participants_.at(vertex);
    if (p.in_process) {
      ASSIGN_OR_RETURN(std::unique_ptr<Node> node,
                       Node::Create(d, hosted_transports_.at(vertex).get(), *options_.kernels));
      for (PeerId peer : greeted_by_[vertex]) node->AcceptPeer(peer);
      Node* raw = node.get();
      in_process_[vertex] = std::move(node);
      serve_threads_[vertex] = std::thread([raw] { (void)raw->Serve(); });
      p.deployed = p.serving = true;
      return Status::Ok();
    }
    Progress("deploying " + std::to_string(d.layers.size()) + " layers " +
             (d.parts.empty() ? "" : "and " + std::to_string(d.parts.size()) + " parts ") + "to " +
             p.name);
    RETURN_IF_ERROR(control_->Send(vertex, EncodeControl(EncodeDeployment(d)))
                        .WithContext("deploy to node " + p.name + " at " + p.endpoint));
    expected->insert({vertex, ControlType::kDeployed});
    return Status::Ok();
  }

  // Ends the deployment `vertex` serves; its final statistics come back as a
  // kStopped, which `expected` notes. An in-process vertex's thread is joined
  // and who greeted it kept; its links stay, as a daemon's do: the next
  // deployment connects to the same endpoints.
  void StopDeployment(PeerId vertex, Expected* expected) {
    Participant& p = participants_.at(vertex);
    (void)control_->Send(vertex, EncodeControl({ControlType::kStop, "{}", {}}));
    if (p.in_process) {
      serve_threads_.at(vertex).join();
      greeted_by_[vertex] = in_process_.at(vertex)->Greeted();
      in_process_.erase(vertex);
    }
    p.serving = false;
    expected->insert({vertex, ControlType::kStopped});
  }

  Status Deploy() {
    for (auto& [vertex, p] : participants_) RETURN_IF_ERROR(Greet(vertex));
    Expected expected;
    for (auto& [vertex, p] : participants_) {
      RETURN_IF_ERROR(StartDeployment(vertex, deployments_.at(vertex), &expected));
    }
    RETURN_IF_ERROR(AwaitReplies(std::move(expected)));
    for (auto& [vertex, p] : participants_) p.last_seen = Clock::now();
    return Status::Ok();
  }

  // Waits (up to --deploy-timeout) for every reply in `expected`; decisions and
  // final statistics that arrive meanwhile are taken as during the stream.
  Status AwaitReplies(Expected expected) {
    const auto start = Clock::now();
    const auto deadline = start + options_.deploy_timeout;
    auto next_note = start + std::chrono::seconds(5);
    while (!expected.empty()) {
      const std::string waiting = Names(expected);
      if (Clock::now() > next_note) {
        next_note += std::chrono::seconds(5);
        Progress("waiting " + SecondsText(Clock::now() - start) + " of " +
                 SecondsText(options_.deploy_timeout) +
                 " (--deploy-timeout) for the deployment to be acknowledged by " + waiting);
      }
      for (size_t i : cluster_.PollExited()) {
        return Status(StatusCode::kUnavailable, "node " + cluster_.node(i).name + " " +
                                                    cluster_.node(i).exit_reason +
                                                    " during deployment");
      }
      if (options_.interrupt && options_.interrupt->load()) {
        return Status(StatusCode::kUnavailable, "interrupted while waiting for " + waiting);
      }
      if (Clock::now() > deadline) {
        return Status(StatusCode::kUnavailable, "no acknowledgement of the deployment within " +
                                                    SecondsText(options_.deploy_timeout) +
                                                    " (--deploy-timeout) from " + waiting);
      }
      Result<transport::Envelope> e =
          control_->Receive(Clock::now() + std::chrono::milliseconds(20));
      if (!e.ok()) continue;
      auto it = participants_.find(e->from);
      if (it == participants_.end()) continue;
      if (e->message.header.kind == MessageKind::kHello) {
        Result<uint16_t> version = transport::NegotiateVersion(
            std::span<const uint16_t>(&transport::kWireVersion, 1), e->message);
        if (!version.ok()) {
          return InvalidArgument("node " + it->second.name + " at " + it->second.endpoint +
                                 " is refused: " + version.status().message());
        }
      }
      if (e->message.header.kind == MessageKind::kDecision) OnDecision(*e);
      if (e->message.header.kind != MessageKind::kControl) continue;
      Result<ControlMessage> c = DecodeControl(e->message);
      if (!c.ok()) continue;  // counted by the transport's peer as rejected
      it->second.last_seen = Clock::now();
      if (c->type == ControlType::kError) {
        return InvalidArgument("node " + it->second.name +
                               " refused its deployment: " + ErrorText(*c));
      }
      if (c->type == ControlType::kDeployed) it->second.deployed = it->second.serving = true;
      if (c->type == ControlType::kStopped) OnControl(*e);
      expected.erase({e->from, c->type});
    }
    return Status::Ok();
  }

  // Addresses frame `message` of CNN `c` for the current plan and epoch: to
  // the source's vertex, routed on to layer 0's unit; when layer 0 is split,
  // the source's vertex scatters it to the parts. Returns the first vertex.
  PeerId Address(size_t c, Message& message) const {
    const int planned = PlannedIndex(c);
    const Transfer& to_first = plan_.transfers(planned).front();
    message.header.route.clear();
    // BuildDeployments has checked every route of the plan.
    if (to_first.kind == TransferKind::kSource) {
      message.header.route = *RouteOf(to_first, problem_.cnns[planned].name + " source");
    }
    message.header.epoch = epoch_;
    return static_cast<PeerId>(to_first.from_vertex);
  }

  // CNN `c` (the run's numbering, which the wire and the report use) in the
  // current problem and plan, which leave out stopped CNNs.
  int PlannedIndex(size_t c) const {
    return static_cast<int>(std::find(active_.begin(), active_.end(), c) - active_.begin());
  }

  // Sends frame `frame` of CNN `c` and keeps it until its decision arrives.
  void Inject(size_t c, uint64_t frame) {
    Message m =
        MessageFromTensor(RandomInput(programs_[c].slices.front().graph.inputs.front().shape,
                                      options_.input_seed + frame),
                          frame, static_cast<uint32_t>(c), 0, MessageKind::kTensor);
    const auto now = Clock::now();
    frames_.Sent(c, frame, m, now);
    SendFrame(c, frame, std::move(m));
    if (frame >= static_cast<uint64_t>(options_.warmup)) ++report_.cnns[c].frames_sent;
  }

  void SendFrame(size_t c, uint64_t frame, Message m) {
    const PeerId to = Address(c, m);
    Status s = control_->Send(to, std::move(m));
    if (!s.ok()) {
      Fail("frame " + std::to_string(frame) + " of " + original_.cnns[c].name + ": " + s.message());
    }
  }

  void Fail(const std::string& what) {
    Progress("FAILURE: " + what);
    report_.failures.push_back(what);
  }

  void OnDecision(const transport::Envelope& e) {
    const transport::Header& h = e.message.header;
    const size_t c = h.cnn;
    if (c >= original_.cnns.size()) {
      Fail("a decision for unknown CNN " + std::to_string(c) + " from vertex " +
           std::to_string(e.from));
      return;
    }
    CnnRunReport& r = report_.cnns[c];
    if (!r.stopped.empty()) return;  // its frames were given up at the failure
    double latency = -1;
    switch (frames_.Decided(c, h.frame_id, Clock::now(), &latency)) {
      case FrameWindow::Arrival::kResentCopy:  // dropped: a frame is decided once
        ++r.duplicates_dropped;
        return;
      case FrameWindow::Arrival::kNetworkCopy:
        ++r.duplicates_dropped;
        r.duplicates.push_back(h.frame_id);
        return;
      case FrameWindow::Arrival::kOverflow:
        Fail("frame " + std::to_string(h.frame_id) + " of " + r.name +
             " is further ahead than the reorder buffer holds");
        return;
      case FrameWindow::Arrival::kFirst:
        break;
    }
    r.handed_on = frames_.handed_on(c);
    r.reorder_peak = frames_.reorder_peak(c);
    if (latency < 0) return;  // a decision for a frame never sent
    ++decisions_;
    const bool warmup = h.frame_id < static_cast<uint64_t>(options_.warmup);
    if (!warmup) {
      latencies_[c].push_back(latency);
      last_decision_ = Clock::now();
      ++r.frames_received;
      if (++measured_decisions_ == MemoryCheckpoint()) SampleMemory();
      if (!twins_.empty()) RunMonolithic(c, h.frame_id);
    }
    for (GateReport& g : r.gates) {
      if (warmup) break;
      if (g.calibration.layer <= h.layer) ++g.reached;
      if (g.calibration.layer == h.layer) ++g.exits;
    }
    if (options_.keep_outputs) {
      Result<Tensor> t = TensorFromMessage(e.message);
      if (t.ok()) {
        report_.outputs.push_back(
            SavedOutput{h.cnn, h.frame_id, ModelOutputOf(programs_[c].profile, h.layer), *t});
      }
    }
  }

  // The first memory sample: after a tenth of the measured frames, once
  // every buffer and primitive of the steady state exists.
  int MemoryCheckpoint() const {
    return std::max(1, options_.frames * static_cast<int>(original_.cnns.size()) / 10);
  }

  // Resident bytes of this process and of every local node still running.
  void SampleMemory() {
    Result<int64_t> total = ResidentBytes();
    if (!total.ok()) return;
    int64_t bytes = *total;
    for (const auto& [vertex, p] : participants_) {
      if (!p.process || p.dead) continue;
      Result<int64_t> node = ResidentBytes(cluster_.node(*p.process).pid);
      if (node.ok()) bytes += *node;
    }
    report_.memory.push_back(MemorySample{measured_decisions_, bytes});
  }

  // Times the whole model of CNN `c` on frame `frame`'s input (the pipeline is
  // idle: one frame in flight, and its decision is in).
  void RunMonolithic(size_t c, uint64_t frame) {
    MonolithicTwin& twin = twins_[c];
    const Graph& g = *twin.graph;
    const Tensor x = RandomInput(g.inputs.front().shape, options_.input_seed + frame);
    const auto start = Clock::now();
    Result<TensorMap> out = twin.executor.Run({{g.inputs.front().name, x}});
    twin.seconds.push_back(Seconds(Clock::now() - start));
    if (!out.ok()) Fail("monolithic " + original_.cnns[c].name + ": " + out.status().message());
  }

  // Pings the serving nodes; a node whose process exited, or that has been
  // silent for the heartbeat timeout, has failed: fail over.
  void Heartbeat() {
    std::vector<std::pair<PeerId, std::string>> failed;
    for (size_t i : cluster_.PollExited()) {
      for (auto& [vertex, p] : participants_) {
        if (p.process == i && !p.dead) {
          failed.emplace_back(vertex, "(pid " + std::to_string(cluster_.node(i).pid) + ") " +
                                          cluster_.node(i).exit_reason);
        }
      }
    }
    const auto now = Clock::now();
    for (auto& [vertex, p] : participants_) {
      if (p.dead || !p.serving) continue;
      if (now - p.last_seen > options_.heartbeat_timeout) {
        char silent[64];
        std::snprintf(silent, sizeof silent, "stopped answering for %.2f s",
                      Seconds(now - p.last_seen));
        failed.emplace_back(vertex, "at " + p.endpoint + " " + silent);
        continue;
      }
      (void)control_->Send(vertex, EncodeControl({ControlType::kPing, "{}", {}}));
    }
    for (const auto& [vertex, cause] : failed) {
      if (!participants_.at(vertex).dead) FailOver(vertex, cause);
    }
    if (++heartbeats_ % kProbeEvery == 0) {
      for (auto& [vertex, p] : participants_) {
        if (p.dead && p.probing) Probe(vertex);
      }
    }
  }

  // Detection, re-plan, redeployment and re-sending, recorded in the report.
  void FailOver(PeerId vertex, const std::string& cause) {
    const auto detected = Clock::now();
    Participant& p = participants_.at(vertex);
    p.dead = true;
    p.serving = false;
    (void)control_->Disconnect(vertex);
    FailoverRecord record;
    record.unit = p.name;
    record.cause = cause;
    const Clock::duration detection = detected - p.fault_injected.value_or(p.last_seen);
    record.detection_s = Seconds(detection);
    Progress("node " + p.name + " failed " + cause + "; detected after " + SecondsText(detection));
    Status recovered = Recover(vertex, detected, &record);
    if (recovered.ok()) {
      recovered_.insert(vertex);
      StartProbing(p);
      record.outcome = "recovered";
      record.recovery_s = Seconds(Clock::now() - detected);
      Progress("recovered from the failure of " + p.name + " in " +
               SecondsText(Clock::now() - detected) + ": " + std::to_string(record.frames_resent) +
               " frame(s) re-sent");
    } else {
      record.outcome = recovered.message();
      Fail("node " + p.name + " " + cause + ": " + recovered.message());
    }
    report_.failovers.push_back(std::move(record));
  }

  // Plans again without the failed units, redeploys what moved (the others
  // only advance their epoch) and re-sends the frames in flight.
  Status Recover(PeerId vertex, Clock::time_point detected, FailoverRecord* record) {
    detected_at_[vertex] = detected;
    if (!options_.replan) {
      return Status(StatusCode::kUnavailable,
                    "no re-plan is possible (a plan given without its scenario): the run stops");
    }
    for (size_t c : std::vector<size_t>(active_)) {
      const Cnn& cnn = original_.cnns[c];
      const Endpoint& source = original_.system.sources[static_cast<size_t>(cnn.source)];
      const Endpoint& sink = original_.system.sinks[static_cast<size_t>(cnn.sink)];
      if (source.vertex != vertex && sink.vertex != vertex) continue;
      StopCnn(c, "its " + (source.vertex == vertex ? "source " + source.id : "sink " + sink.id) +
                     " was on " + participants_.at(vertex).name + ", which failed");
    }
    if (stopped_cnns_.size() == original_.cnns.size()) {
      return Status(StatusCode::kUnavailable, "every CNN lost its source or sink");
    }
    failed_units_.insert(vertex);
    Progress("re-planning without " + participants_.at(vertex).name);
    return Replan(&record->replan_objective_s, &record->replan_status, &record->redeployed,
                  &record->frames_resent);
  }

  // Plans again on the units that have not failed (the solver's objective and
  // status out), redeploys what moved (the vertices named out) and re-sends
  // the frames in flight (counted out).
  Status Replan(double* objective_s, std::string* status, std::vector<std::string>* redeployed,
                int* frames_resent) {
    const std::set<int> stopped(stopped_cnns_.begin(), stopped_cnns_.end());
    problem_ = WithoutCnns(WithoutUnits(original_, failed_units_), stopped);
    const bool same_cnns = active_.size() == problem_.cnns.size();
    active_.clear();
    for (size_t c = 0; c < original_.cnns.size(); ++c) {
      if (!stopped_cnns_.count(c)) active_.push_back(c);
    }
    ASSIGN_OR_RETURN(runtime::Replan next, options_.replan(problem_, plan_));
    // Start from the current plan: moving only what the failed units held
    // redeploys least, so it is kept when its prediction is within
    // RunOptions::replan_tolerance of the solver's optimum.
    if (std::optional<RepairedPlan> kept =
            same_cnns ? RepairPlan(problem_, plan_, failed_units_) : std::nullopt;
        kept && kept->evaluation.objective_s <=
                    next.objective_s * (1 + options_.replan_tolerance) + 1e-12) {
      char status[160];
      std::snprintf(status, sizeof status,
                    "the running plan with the failed units' layers moved, %+.2f %% over the "
                    "optimum %.3f ms",
                    100 * (kept->evaluation.objective_s / next.objective_s - 1),
                    next.objective_s * 1e3);
      next = runtime::Replan{std::move(kept->plan), kept->evaluation.objective_s, status};
    }
    *objective_s = next.objective_s;
    *status = next.status;
    // The models and gates of the CNNs that go on; their deployments speak
    // the run's CNN numbering, as the wire and the report do.
    std::vector<CnnProgram> programs;
    std::vector<std::vector<float>> thresholds;
    for (size_t c : active_) {
      programs.push_back(programs_[c]);
      thresholds.push_back(thresholds_[c]);
    }
    ASSIGN_OR_RETURN(auto deployments, BuildDeployments(problem_, next.plan, programs, thresholds,
                                                        options_.emulation));
    for (auto& [v, d] : deployments) {
      for (HostedLayer& l : d.layers) l.cnn = static_cast<uint32_t>(active_[l.cnn]);
      for (HostedPart& p : d.parts) p.cnn = static_cast<uint32_t>(active_[p.cnn]);
      for (Fanout& f : d.fanouts) f.cnn = static_cast<uint32_t>(active_[f.cnn]);
    }
    for (auto& [v, d] : deployments) {
      if (participants_.count(v)) continue;
      if (options_.curve_keys) {
        return Status(StatusCode::kUnavailable, "the new plan needs unit " + d.name +
                                                    ", which took no part yet; with CURVE a "
                                                    "failover cannot bring in new nodes");
      }
      RETURN_IF_ERROR(AddParticipant(v, d.name));
      RETURN_IF_ERROR(Greet(v));
    }
    WireLinks(deployments);
    ++epoch_;
    Expected expected;
    for (auto& [v, d] : deployments) {
      d.epoch = epoch_;
      Participant& p = participants_.at(v);
      auto old = deployments_.find(v);
      if (p.serving && old != deployments_.end() && SameWork(old->second, d)) {
        const std::string body = "{\"epoch\":" + std::to_string(epoch_) + "}";
        (void)control_->Send(v, EncodeControl({ControlType::kEpoch, body, {}}));
        expected.insert({v, ControlType::kEpochSet});
        d = old->second;  // what it runs, under the new epoch
        d.epoch = epoch_;
        continue;
      }
      redeployed->push_back(d.name);
      if (p.serving) StopDeployment(v, &expected);
      RETURN_IF_ERROR(StartDeployment(v, d, &expected));
    }
    for (auto& [v, p] : participants_) {  // serving, but not in the new plan
      if (p.serving && !p.dead && !deployments.count(v)) StopDeployment(v, &expected);
    }
    RETURN_IF_ERROR(AwaitReplies(std::move(expected)));
    deployments_ = std::move(deployments);
    plan_ = std::move(next.plan);
    const auto now = Clock::now();
    *frames_resent += frames_.ResendAll(now, [this](FrameWindow::Key k, const auto& frame) {
      SendFrame(k.first, k.second, frame.message);
    });
    for (auto& [v, p] : participants_) p.last_seen = now;
    return Status::Ok();
  }

  // --restart-failed: a failed local node is started again at its endpoint
  // (a device that reboots); --nodes endpoints are probed as they are.
  void StartProbing(Participant& p) {
    if (p.remote) {
      p.probing = true;
      return;
    }
    if (!options_.restart_failed || !p.process) return;
    if (options_.curve_keys) {
      Progress("not restarting node " + p.name + ": its keys were for one start (CURVE)");
      return;
    }
    Result<size_t> again = cluster_.Restart(*p.process, kStartTimeout);
    if (!again.ok()) {
      Progress("could not restart node " + p.name + ": " + again.status().message());
      return;
    }
    p.process = *again;
    p.probing = true;
    Progress("restarted node " + p.name + " at " + p.endpoint);
  }

  // A failed node that answers again: greet it and ask for a pong. The ping
  // names the coordinator and the vertex, which a restarted daemon needs.
  void Probe(PeerId vertex) {
    if (!Greet(vertex).ok()) return;
    const std::string body =
        "{\"coordinator\":\"" + ControlEndpoint() + "\",\"vertex\":" + std::to_string(vertex) + "}";
    (void)control_->Send(vertex, EncodeControl({ControlType::kPing, body, {}}));
  }

  // A failed node is back: plan again with it, so the plan uses it again.
  void Rejoin(PeerId vertex) {
    Participant& p = participants_.at(vertex);
    p.dead = p.probing = p.serving = false;
    p.last_seen = Clock::now();
    // One that was only stopped still serves its old deployment; a restarted
    // daemon ignores this.
    (void)control_->Send(vertex, EncodeControl({ControlType::kStop, "{}", {}}));
    failed_units_.erase(vertex);
    recovered_.erase(vertex);
    Progress("node " + p.name + " answers again: re-planning with it");
    FailoverRecord* record = nullptr;
    for (FailoverRecord& f : report_.failovers) {
      if (f.unit == p.name) record = &f;
    }
    FailoverRecord scratch;
    if (record == nullptr) record = &scratch;
    int resent = 0;
    Status s = Replan(&record->rejoin_objective_s, &record->rejoin_status,
                      &record->rejoin_redeployed, &resent);
    record->frames_resent += resent;
    if (!s.ok()) {
      Fail("node " + p.name + " came back, but the re-plan with it failed: " + s.message());
      return;
    }
    record->rejoin_s = Seconds(Clock::now() - detected_at_[vertex]);
    char plan[64];
    std::snprintf(plan, sizeof plan, "%.3f ms", record->rejoin_objective_s * 1e3);
    Progress("node " + p.name + " rejoined: new plan " + plan);
  }

  // True when `next` asks a vertex for the same work as `current` does, with
  // no new neighbour: then it keeps running and only changes epoch.
  static bool SameWork(const VertexDeployment& current, const VertexDeployment& next) {
    for (const auto& [peer, endpoint] : next.neighbour_endpoints) {
      auto it = current.neighbour_endpoints.find(peer);
      if (it == current.neighbour_endpoints.end() || it->second != endpoint) return false;
    }
    VertexDeployment a = current;
    VertexDeployment b = next;
    for (VertexDeployment* d : {&a, &b}) {
      d->neighbour_endpoints.clear();
      d->peer_keys.clear();
      d->clock_peers.clear();
      d->epoch = 0;
    }
    const ControlMessage x = EncodeDeployment(a);
    const ControlMessage y = EncodeDeployment(b);
    return x.body == y.body && x.blobs == y.blobs;
  }

  std::chrono::milliseconds FrameTimeout(size_t c) const {
    if (options_.frame_timeout.count() > 0) return options_.frame_timeout;
    const double s = 10.0 + 4.0 * options_.in_flight * predicted_.cnns[c].total_s();
    return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
  }

  void Stream() {
    const size_t n = original_.cnns.size();
    // In flight, at most in_flight frames per CNN wait for an earlier one.
    latencies_.assign(n, {});
    if (options_.warmup > 0) {
      Progress("warming up: " + std::to_string(options_.warmup) + " frame(s) per CNN");
      StreamFrames(0, options_.warmup);
      if (!report_.failures.empty() || report_.interrupted) return;
      ResetNodeStats();
    }
    measured_from_ = static_cast<uint64_t>(options_.warmup);
    Progress("streaming " + std::to_string(options_.frames) + " frames per CNN");
    StreamFrames(measured_from_, options_.frames);
    SampleMemory();
    report_.duration_s = Seconds(last_decision_ - start_);
    for (const auto& [key, t] : frames_.in_flight()) {
      report_.cnns[key.first].missing.push_back(key.second);
    }
    for (const CnnRunReport& r : report_.cnns) {
      if (!r.stopped.empty()) Fail("CNN " + r.name + " stopped: " + r.stopped);
    }
  }

  // Nodes forget the warm-up (first-frame primitive creation, page faults):
  // each zeroes its statistics and acknowledges before measured frames flow.
  void ResetNodeStats() {
    std::set<PeerId> waiting;
    for (auto& [vertex, p] : participants_) {
      if (p.serving &&
          control_->Send(vertex, EncodeControl({ControlType::kReset, "{}", {}})).ok()) {
        waiting.insert(vertex);
      }
    }
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!waiting.empty() && Clock::now() < deadline) {
      Result<transport::Envelope> e =
          control_->Receive(Clock::now() + std::chrono::milliseconds(50));
      if (!e.ok() || e->message.header.kind != MessageKind::kControl) continue;
      Result<ControlMessage> c = DecodeControl(e->message);
      if (c.ok() && c->type == ControlType::kResetDone) waiting.erase(e->from);
      if (c.ok() && c->type != ControlType::kResetDone) OnControl(*e);
    }
    for (PeerId v : waiting)
      Fail("node " + participants_.at(v).name + " did not reset its statistics");
  }

  // Streams frames [first, first + count) of every CNN and waits for them.
  void StreamFrames(uint64_t first, int count) {
    const size_t n = original_.cnns.size();
    const uint64_t end = first + static_cast<uint64_t>(count);
    std::vector<uint64_t> next(n, first);
    start_ = Clock::now();
    last_decision_ = start_;
    auto next_heartbeat = start_ + kHeartbeatPeriod;
    std::optional<Clock::time_point> interrupted_at;
    while (report_.failures.empty()) {
      const auto now = Clock::now();
      if (!interrupted_at && options_.interrupt && options_.interrupt->load()) {
        interrupted_at = now;
        report_.interrupted = true;
        Progress("interrupted: no more frames; waiting up to 2 s for the " +
                 std::to_string(frames_.in_flight().size()) + " in flight");
      }
      if (interrupted_at &&
          (frames_.in_flight().empty() || now - *interrupted_at > kInterruptGrace)) {
        break;
      }
      bool done = true;
      for (size_t c = 0; c < n; ++c) {
        const bool paced =
            options_.rate_fps <= 0 ||
            now >=
                start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                             static_cast<double>(next[c] - first) / options_.rate_fps));
        if (stopped_cnns_.count(c)) continue;
        if (!interrupted_at && next[c] < end && frames_.MaySend(c, next[c]) && paced) {
          Inject(c, next[c]++);
        }
        done = done && (next[c] == end || stopped_cnns_.count(c));
      }
      CheckFrameTimeouts(now);
      if (done && frames_.in_flight().empty()) break;
      if (now >= next_heartbeat) {
        Heartbeat();
        for (PeerId v : std::exchange(rejoining_, {})) Rejoin(v);
        next_heartbeat = Clock::now() + kHeartbeatPeriod;
      }
      InjectFaults();
      Result<transport::Envelope> e =
          control_->Receive(Clock::now() + std::chrono::milliseconds(5));
      if (!e.ok()) continue;
      if (e->message.header.kind == MessageKind::kDecision) {
        OnDecision(*e);
      } else if (e->message.header.kind == MessageKind::kControl) {
        OnControl(*e);
      }
    }
  }

  // CNN `c` stops: no more frames, those in flight are given up (reported
  // missing), and the report says why; the other CNNs go on.
  void StopCnn(size_t c, const std::string& why) {
    stopped_cnns_.insert(c);
    CnnRunReport& r = report_.cnns[c];
    r.stopped = why;
    for (uint64_t frame : frames_.Drop(c)) r.missing.push_back(frame);
    Progress("CNN " + r.name + " stops: " + why + "; the other CNNs go on");
  }

  // A frame outstanding too long is sent again (a message lost on the way),
  // up to RunOptions::frame_resends times; then it is lost.
  void CheckFrameTimeouts(Clock::time_point now) {
    std::vector<FrameWindow::Key> resent;
    std::vector<FrameWindow::Key> lost;
    frames_.CheckTimeouts(
        now, [this](size_t c) { return Clock::duration(FrameTimeout(c)); }, options_.frame_resends,
        [this](FrameWindow::Key k, const auto& frame) {
          SendFrame(k.first, k.second, frame.message);
        },
        &resent, &lost);
    for (const auto& [c, frame] : resent) {
      ++report_.cnns[c].frames_resent_on_timeout;
      Progress("frame " + std::to_string(frame) + " of " + original_.cnns[c].name +
               ": no decision within " + std::to_string(FrameTimeout(c).count()) +
               " ms; sending it again");
    }
    for (const auto& [c, frame] : lost) {
      Fail("frame " + std::to_string(frame) + " of " + original_.cnns[c].name +
           " did not arrive within " + std::to_string(FrameTimeout(c).count()) + " ms");
    }
  }

  // RunOptions::faults whose time has come.
  void InjectFaults() {
    for (size_t i = 0; i < options_.faults.size(); ++i) {
      const FaultInjection& f = options_.faults[i];
      if (faults_done_.count(i) || decisions_ < f.after_decisions) continue;
      faults_done_.insert(i);
      for (auto& [vertex, p] : participants_) {
        if (p.name != f.unit || p.dead) continue;
        const bool kill = f.action == FaultAction::kKill;
        Progress(std::string("fault injection: ") + (kill ? "killing" : "stopping") + " node " +
                 p.name + " after " + std::to_string(decisions_) + " decisions");
        p.fault_injected = Clock::now();
        if (p.process) {
          cluster_.Signal(*p.process, kill ? SIGKILL : SIGSTOP);
        } else if (p.in_process && options_.in_process_fault) {
          options_.in_process_fault(vertex, f.action);
        }
      }
    }
  }

  void OnControl(const transport::Envelope& e) {
    Result<ControlMessage> c = DecodeControl(e.message);
    auto it = participants_.find(e.from);
    if (!c.ok() || it == participants_.end()) return;
    it->second.last_seen = Clock::now();
    if (c->type == ControlType::kPong && it->second.dead && it->second.probing) {
      rejoining_.insert(e.from);
      return;
    }
    if (c->type == ControlType::kStopped) {
      it->second.stopped = true;
      awaiting_stop_.erase(e.from);
      Result<NodeStats> s = NodeStatsFromJson(c->body);
      if (s.ok()) report_.nodes.push_back(std::move(*s));
    } else if (c->type == ControlType::kError) {
      Fail("node " + it->second.name + ": " + ErrorText(*c));
    }
  }

  void Shutdown() {
    Progress("stopping nodes");
    for (auto& [vertex, p] : participants_) {
      if (p.serving && !p.dead) {
        (void)control_->Send(vertex, EncodeControl({ControlType::kStop, "{}", {}}));
        awaiting_stop_.insert(vertex);
      }
    }
    const auto deadline = Clock::now() + kStopTimeout;
    while (Clock::now() < deadline) {
      if (awaiting_stop_.empty()) break;
      Result<transport::Envelope> e =
          control_->Receive(Clock::now() + std::chrono::milliseconds(50));
      if (!e.ok()) continue;
      if (e->message.header.kind == MessageKind::kControl) OnControl(*e);
      if (e->message.header.kind == MessageKind::kDecision) OnDecision(*e);
    }
    for (const auto& [vertex, p] : participants_) {
      if (awaiting_stop_.count(vertex)) {
        Fail("node " + p.name + " did not report its final statistics");
      }
      // A unit that failed over is in RunReport::failovers; one that never
      // reported is missing from every figure.
      if (!p.stopped && !recovered_.count(vertex)) report_.units_missing.push_back(p.name);
    }
    // In-process vertices that failed (cut off) never got the stop.
    for (auto& [vertex, node] : in_process_) node->RequestStop();
    for (auto& [vertex, t] : serve_threads_) {
      if (t.joinable()) t.join();
    }
    serve_threads_.clear();
    cluster_.WaitAll(std::chrono::seconds(5));
  }

  void Summarise() {
    MeasuredRun measured;
    measured.latencies = latencies_;
    for (const MonolithicTwin& twin : twins_) measured.monolithic.push_back(twin.seconds);
    for (const auto& [vertex, p] : participants_) {
      if (!p.remote) measured.local_vertices.insert(vertex);
    }
    measured.measured_from = measured_from_;
    measured.frames = options_.frames;
    const size_t known = report_.failures.size();
    SummariseRun(measured, &report_);
    for (size_t i = known; i < report_.failures.size(); ++i) {
      Progress("FAILURE: " + report_.failures[i]);
    }
  }

  const Problem& original_;
  Problem problem_;  // the original with the failed units cut out
  Plan plan_;        // the plan running now
  std::vector<CnnProgram> programs_;
  std::vector<Graph> whole_models_;  // moved into twins_ by Prepare
  const Evaluation& predicted_;
  const RunOptions& options_;
  FrameWindow frames_;  // the source's kept frames and the sink's reorder buffers
  LocalCluster cluster_;
  std::map<PeerId, VertexDeployment> deployments_;
  std::map<PeerId, Participant> participants_;
  std::unique_ptr<transport::Transport> control_;
  ZmqTransport* control_zmq_ = nullptr;  // control_, unless in process (CURVE, endpoint)
  std::map<PeerId, std::unique_ptr<transport::Transport>> hosted_transports_;
  std::map<PeerId, ZmqTransport*> hosted_zmq_;  // those of ZeroMQ (CURVE)
  std::map<PeerId, std::unique_ptr<Node>> in_process_;
  std::map<PeerId, std::set<PeerId>>
      greeted_by_;                     // an in-process vertex's peers, across deployments
  std::optional<AwakeCpus> awake_;     // RunOptions::keep_cpus_awake
  std::vector<MonolithicTwin> twins_;  // per CNN, RunOptions::monolithic
  std::map<PeerId, std::thread> serve_threads_;
  std::map<PeerId, std::string> public_keys_;  // CURVE: every vertex's
  NodeKeyFiles key_files_;
  std::vector<std::vector<float>> thresholds_;  // the gates', per CNN
  uint32_t epoch_ = 0;                          // one more per failover
  std::set<int> failed_units_;
  std::vector<size_t> active_;     // the CNNs of problem_ and plan_, in the run's numbering
  std::set<size_t> stopped_cnns_;  // their source or sink failed
  std::set<PeerId> recovered_;     // failed units the run went on without
  std::map<PeerId, Clock::time_point> detected_at_;  // when each failure was detected
  std::set<PeerId> rejoining_;
  std::set<PeerId> awaiting_stop_;  // Shutdown: final statistics still to come // failed nodes that
                                    // answered a probe
  int64_t heartbeats_ = 0;
  std::set<size_t> faults_done_;  // indices into RunOptions::faults
  std::vector<std::vector<double>> latencies_;
  int decisions_ = 0;
  int measured_decisions_ = 0;  // decisions of measured frames, every CNN
  uint64_t measured_from_ = 0;  // frames below are the warm-up
  Clock::time_point start_;
  Clock::time_point last_decision_;
  RunReport report_;
};

}  // namespace

bool RunReport::partial() const {
  if (interrupted || !units_missing.empty()) return true;
  for (const CnnRunReport& c : cnns) {
    if (c.frames_sent < c.frames_planned || c.frames_received < c.frames_sent) return true;
  }
  return false;
}

Result<RunReport> RunPlan(const Problem& problem, const Plan& plan, RunModels models,
                          const Evaluation& predicted, const RunOptions& options) {
  if (options.kernels == nullptr) return InvalidArgument("run: no kernel registry");
  if (options.frames < 1 || options.in_flight < 1 || options.warmup < 0) {
    return InvalidArgument("run: --frames and --in-flight must be at least 1, --warmup at least 0");
  }
  if (options.in_process_transports && options.curve_keys) {
    return InvalidArgument("run: CURVE needs ZeroMQ, not in-process transports");
  }
  if (problem.system.graph.num_vertices() >= 0xFFFE) {
    return InvalidArgument("run: more than 65533 vertices do not fit the wire format");
  }
  prctl(PR_SET_TIMERSLACK, 1000UL);  // in-process vertices emulate too (node_daemon.cc)
  Coordinator coordinator(problem, plan, std::move(models), predicted, options);
  return coordinator.Run();
}

}  // namespace distcnn::runtime
