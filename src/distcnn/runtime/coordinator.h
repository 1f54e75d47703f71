// The coordinator of `distcnn run`: deploys a plan on node processes (started
// here on 127.0.0.1, or already running at given endpoints), acts as every
// source and sink, streams seeded frames with several in flight, watches the
// nodes (heartbeats, exited processes) and measures latency and throughput
// against the plan's prediction. Sources and sinks that are vertices of their
// own run as in-process nodes, so they relay like any vertex.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/runtime/cnn_program.h"
#include "distcnn/runtime/deployment.h"
#include "distcnn/runtime/node_stats.h"
#include "distcnn/transport/zmq/curve_keys.h"

namespace distcnn::runtime {

// Fault injection: what happens to a local node's process, and when.
enum class FaultAction { kKill, kStop };  // SIGKILL; SIGSTOP (silent, not dead)
struct FaultInjection {
  std::string unit;
  int after_decisions = 0;  // once this many decisions have arrived (all CNNs)
  FaultAction action = FaultAction::kKill;
};

// A plan made again after a failure (RunOptions::replan).
struct Replan {
  Plan plan;
  double objective_s = 0;
  std::string status;  // the solver's: "optimal", "feasible"
};

struct RunOptions {
  int frames = 10;      // per CNN, measured
  int warmup = 1;       // per CNN, streamed first and left out of every figure
  double rate_fps = 0;  // per CNN; 0: as fast as the in-flight window allows
  int in_flight = 4;    // per CNN
  EmulationMode emulation = EmulationMode::kOff;
  uint64_t input_seed = 1;  // frame f of every CNN reads RandomInput(shape, input_seed + f)
  int calibration_frames = 256;
  uint64_t calibration_seed = 1000000;
  bool keep_outputs = false;  // keep every decision tensor in the report
  // After each measured decision, run the whole model on the same frame in
  // this process and time it: a monolithic twin measured under the same
  // machine conditions, frame by frame. Needs in_flight 1.
  bool monolithic = false;
  // Hold an AwakeCpus request for the run (awake_cpus.h): this host's idle
  // CPUs poll instead of halting, so a hop does not wait for a vCPU to wake.
  bool keep_cpus_awake = false;
  // Unit id -> endpoint of an already running `distcnn node`; units not listed
  // get a local process.
  std::map<std::string, std::string> remote_endpoints;
  // CURVE on every link (docs/security.md): the coordinator's key pair; none:
  // keys off. Local node processes and in-process vertices get a fresh key pair
  // each for the run.
  std::optional<transport::CurveKeyPair> curve_keys;
  // With curve_keys: the public key (Z85) of every unit in remote_endpoints.
  std::map<std::string, std::string> node_public_keys;
  std::string scenario_name;               // for the report: the scenario file
  std::string bind = "tcp://127.0.0.1:*";  // the coordinator's sockets
  std::string program;                     // distcnn executable for local nodes
  std::vector<std::string> node_args;      // extra arguments for local nodes
  // A node silent for this long is declared failed; checked every
  // kHeartbeatPeriod, so detection takes at most timeout + period.
  std::chrono::milliseconds heartbeat_timeout{800};
  // How long every node has to acknowledge its deployment; the wait names the
  // nodes it still waits for every 5 s, and the error names them all.
  std::chrono::milliseconds deploy_timeout{30000};
  std::chrono::milliseconds frame_timeout{0};  // 0: 10 s + 4 x in_flight x predicted
  // A frame whose decision has not come a frame timeout after it was sent is
  // sent again this many times (a message lost on a link) before it is lost.
  int frame_resends = 1;
  // Tests (runtime/failover_test.cc): every vertex, the units too, runs as a
  // node in this process on a transport made here (an in-process network
  // behind a fault-injection decorator); a fault on one calls
  // `in_process_fault` (which cuts it off, say). Empty: ZeroMQ, with a local
  // process per unit.
  std::function<Result<std::unique_ptr<transport::Transport>>(PeerId vertex)> in_process_transports;
  std::function<void(PeerId vertex, FaultAction action)> in_process_fault;
  std::vector<FaultInjection> faults;
  // Start a failed local node again at its endpoint once the run has failed
  // over; when it answers, the run re-plans with it (a rejoin). Failed
  // --nodes endpoints are always probed: systemd restarts a device's daemon.
  bool restart_failed = false;
  // Failover (docs/runtime.md): plans again on `problem` (the units that
  // failed cut out of the radio graph) starting from `current`, with the
  // run's solver. Empty: a failure ends the run (a plan given without its
  // scenario cannot be re-planned).
  std::function<Result<Replan>(const Problem& problem, const Plan& current)> replan;
  // A failover keeps the running plan, with only the failed units' layers
  // moved (placement/plan_repair.h), when its predicted objective is within
  // this fraction of the re-plan's optimum: it redeploys a vertex or two
  // instead of every one the optimum moves.
  double replan_tolerance = 0.01;
  // Set (by a SIGINT handler, say) to stop: no more frames are sent, those in
  // flight get up to 2 s, the nodes are stopped and the report is partial.
  const std::atomic<bool>* interrupt = nullptr;
  const KernelRegistry* kernels = nullptr;           // calibration and in-process vertices
  std::function<void(const std::string&)> progress;  // one line per event
};

// How often the coordinator pings the nodes and checks for silence.
inline constexpr std::chrono::milliseconds kHeartbeatPeriod{200};

struct LatencyStats {
  double mean_s = 0, p50_s = 0, p99_s = 0, min_s = 0, max_s = 0;
};

struct GateReport {
  GateCalibration calibration;
  double scenario_exit_prob = 0;
  uint64_t exits = 0;    // frames that exited here during the run
  uint64_t reached = 0;  // frames that reached the gate
};

// Where a measured latency starts and ends. kSystem: from the vertex that took
// the frame from the coordinator (the source, whose camera the coordinator
// plays) to the vertex that handed the decision over (the sink), as the plan
// models it; needs both on this host (one clock). kCoordinator: from sending
// the frame to receiving the decision, harness legs included.
enum class LatencySpan { kSystem, kCoordinator };

struct CnnRunReport {
  std::string name;
  std::string model;
  int frames_planned = 0;  // measured frames the run meant to send (RunOptions::frames)
  int frames_sent = 0;
  int frames_received = 0;
  std::vector<uint64_t> missing;  // frame ids that never arrived
  // Frame ids whose decision arrived twice though never re-sent (a network
  // duplicate); dropped by the sink, so decided once (duplicates_dropped).
  std::vector<uint64_t> duplicates;
  LatencyStats latency;  // compared with the plan, over `latency_span`
  LatencySpan latency_span = LatencySpan::kCoordinator;
  LatencyStats via_coordinator;
  LatencyStats monolithic;           // RunOptions::monolithic: the whole model, in this process
  CnnLatency predicted;              // the plan's terms
  double measured_processing_s = 0;  // sum over its layers of mean compute per frame
  double throughput_fps = 0;
  std::vector<GateReport> gates;
  // The sink's reorder buffer (reorder_buffer.h): frames handed on, each once
  // and in frame order; copies dropped (the old copy of a re-sent frame); the
  // most frames it held waiting for an earlier one.
  uint64_t handed_on = 0;
  uint64_t frames_resent_on_timeout = 0;  // RunOptions::frame_resends
  // Why the CNN stopped mid-run (its source or sink vertex failed; the other
  // CNNs went on); empty: it ran to the end.
  std::string stopped;
  uint64_t duplicates_dropped = 0;
  size_t reorder_peak = 0;
};

// One failure during the stream and what the coordinator did about it.
struct FailoverRecord {
  std::string unit;
  std::string cause;        // "killed by signal 9", "silent for 0.81 s"
  double detection_s = -1;  // from the injected fault (or the last sign of life) to detection
  double recovery_s = -1;   // from detection to streaming again; -1: not recovered
  int frames_resent = 0;
  double replan_objective_s = 0;
  std::string replan_status;
  std::vector<std::string> redeployed;  // vertices given a new deployment
  std::string outcome;                  // "recovered", or why not
  // The node came back (restarted, or --nodes endpoint answering again) and
  // the run re-planned with it: seconds from detection to that plan running.
  double rejoin_s = -1;
  double rejoin_objective_s = 0;
  std::string rejoin_status;
  std::vector<std::string> rejoin_redeployed;
};

struct SavedOutput {
  uint32_t cnn = 0;
  uint64_t frame = 0;
  std::string output;  // the model output it stands for
  Tensor tensor;
};

// Resident memory of the run's processes (this one and its local nodes)
// after `frames` measured decisions (summed over CNNs).
struct MemorySample {
  int frames = 0;
  int64_t resident_bytes = 0;
};

struct RunReport {
  std::string scenario;
  EmulationMode emulation = EmulationMode::kOff;
  int in_flight = 0;
  int warmup = 0;
  double rate_fps = 0;
  int processes = 0;  // local node processes started
  bool cpus_kept_awake = false;
  bool curve = false;          // every link used CURVE (RunOptions::curve_keys)
  uint64_t refused_peers = 0;  // connections the coordinator's own socket refused
  std::vector<CnnRunReport> cnns;
  std::vector<NodeStats> nodes;  // final stats of every vertex that took part
  std::map<std::string, std::vector<std::string>> planned_layers;  // vertex name -> layers
  double duration_s = 0;      // first injection to last decision
  double busy_bound_fps = 0;  // frames per CNN / max over vertices of busy time
  std::string busiest_vertex;
  std::vector<std::string> failures;  // lost frames, errors, failures not recovered
  std::vector<FailoverRecord> failovers;
  // Vertices whose final statistics never came (dead, or silent at the stop):
  // what they computed is missing from every measured figure.
  std::vector<std::string> units_missing;
  bool interrupted = false;  // RunOptions::interrupt stopped the stream
  // At a tenth of the measured frames and at the last: a long stream must not grow.
  std::vector<MemorySample> memory;
  std::vector<SavedOutput> outputs;
  bool ok() const { return failures.empty(); }
  // Some frame was never sent or never decided, or some vertex's figures are missing.
  bool partial() const;
};

// The CNNs' models, per CNN in problem order.
struct RunModels {
  std::vector<CnnProgram> programs;  // layer slices and profile (LoadCnnPrograms)
  std::vector<Graph> whole;          // the unsliced models; only RunOptions::monolithic needs them
};

// Runs `plan` of `problem` (its evaluation `predicted`) with `models`. Errors
// are setup failures (models, processes, deployment); faults during the
// stream are reported in RunReport::failures.
Result<RunReport> RunPlan(const Problem& problem, const Plan& plan, RunModels models,
                          const Evaluation& predicted, const RunOptions& options);

}  // namespace distcnn::runtime
