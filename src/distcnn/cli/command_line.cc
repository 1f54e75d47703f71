#include "distcnn/cli/command_line.h"

#include <cstdint>
#include <limits>

#include "distcnn/cli/flag_checks.h"

namespace distcnn {
namespace {

// Seeds: any uint64, written without a sign ("-1" does not wrap around).
CLI::Validator Seed() { return AtLeast<uint64_t>(0); }
// Solver time limits: positive seconds, "inf" for none.
CLI::Validator TimeLimit() {
  return InRange<double>({0, true, std::numeric_limits<double>::infinity()});
}

}  // namespace

std::unique_ptr<CommandLine> BuildCommandLine() {
  auto cli = std::make_unique<CommandLine>();
  CLI::App& app = cli->app;
  app.require_subcommand(1);

  PlanFlags& plan = cli->plan;
  CLI::App* plan_cmd = cli->plan_cmd =
      app.add_subcommand("plan", "Place the layers of the scenario's CNNs on its units");
  plan_cmd->add_option("scenario", plan.scenario_path,
                       "Scenario file (YAML or JSON); omitted: the built-in default scenario");
  plan_cmd
      ->add_option("--seed", plan.default_seed,
                   "Seed of the built-in default scenario's random system")
      ->transform(Seed());
  plan_cmd->add_option("--solver", plan.solver, "exact (default), milp (CBC) or brute")
      ->check(CLI::IsMember({"exact", "milp", "brute"}));
  plan_cmd->add_option("--time-limit", plan.time_limit_s, "Solver time limit in seconds (> 0)")
      ->transform(TimeLimit());
  plan_cmd->add_option("--json", plan.json_path, "Write the JSON plan to PATH ('-': stdout)");
  plan_cmd->add_option("--svg", plan.svg_path, "Draw the plan as SVG to PATH");

  SweepFlags& sweep = cli->sweep;
  CLI::App* sweep_cmd = cli->sweep_cmd =
      app.add_subcommand("sweep", "Run a Monte-Carlo study of random systems (docs/sweeps.md)");
  sweep_cmd->add_option("study", sweep.study_path, "Study file (YAML)")->required();
  sweep_cmd->add_option("--out", sweep.out_dir,
                        "Directory for runs.csv, summary.csv, summary.md and charts "
                        "(default: sweep-results/STUDY-NAME)");
  sweep_cmd->add_option("--jobs", sweep.jobs, "Worker threads (default: all hardware threads)")
      ->transform(AtLeast(1));
  sweep_cmd->add_option("--seed", sweep.seed, "Overrides the study's seed")->transform(Seed());
  sweep_cmd->add_option("--solver", sweep.solver, "Overrides the study's solver")
      ->check(CLI::IsMember({"exact", "milp", "brute"}));
  sweep_cmd
      ->add_option("--systems", sweep.systems,
                   "Overrides the study's number of random systems per cell")
      ->transform(AtLeast(1));

  ProfileFlags& profile = cli->profile;
  CLI::App* profile_cmd = cli->profile_cmd = app.add_subcommand(
      "profile", "Per-layer weights, multiplications and output sizes of a model");
  profile_cmd->add_option("model", profile.model, "zoo:NAME or a path to an .onnx file")
      ->required();
  profile_cmd->add_option("--granularity", profile.granularity, "op, layer (default) or block")
      ->check(CLI::IsMember({"op", "layer", "block"}));
  profile_cmd->add_option("--format", profile.format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  profile_cmd->add_option("--dim", profile.dims, "NAME=SIZE for a dynamic input dimension");
  CLI::Option* profile_measure = profile_cmd->add_flag(
      "--measure", profile.measure,
      "Time each layer on this host; print measured ms, Mmults/s, the effective rate and a "
      "scenario device_types snippet");
  profile_cmd
      ->add_option("--repeat", profile.repeat,
                   "--measure: timed runs per layer after 1 warm-up, median reported "
                   "(default 5)")
      ->transform(AtLeast(1))
      ->needs(profile_measure);
  profile_cmd
      ->add_option("--kernels", profile.kernels, "--measure: kernel backend (default onednn)")
      ->needs(profile_measure);
  profile_cmd
      ->add_option("--threads", profile.threads,
                   "--measure: oneDNN threads (default 0: one per core)")
      ->transform(AtLeast(0));
  profile_cmd
      ->add_option("--device-name", profile.device_name,
                   "--measure: device type name in the snippet (default host)")
      ->needs(profile_measure);
  profile_cmd->add_option("--seed", profile.seed, "--measure: seed of the random input (default 1)")
      ->transform(Seed())
      ->needs(profile_measure);
  profile_cmd
      ->add_flag("--cold", profile.cold,
                 "--measure: evict the CPU caches before each timed run (layers as a node "
                 "process sharing this host runs them, once per frame)")
      ->needs(profile_measure);

  ZooFlags& zoo = cli->zoo;
  CLI::App* zoo_cmd = app.add_subcommand("zoo", "The built-in models");
  zoo_cmd->require_subcommand(1);
  cli->zoo_list_cmd = zoo_cmd->add_subcommand("list", "List the built-in models");
  CLI::App* zoo_export_cmd = cli->zoo_export_cmd =
      zoo_cmd->add_subcommand("export", "Write a built-in model as an ONNX file");
  zoo_export_cmd->add_option("name", zoo.name, "Model name (see zoo list)")->required();
  zoo_export_cmd->add_option("out", zoo.out, "Output .onnx path")->required();
  zoo_export_cmd->add_option("--seed", zoo.seed, "Seed of the random weights (default 1)")
      ->transform(Seed());

  InferFlags& infer = cli->infer;
  CLI::App* infer_cmd = cli->infer_cmd =
      app.add_subcommand("infer", "Single-process inference (the monolithic reference of `run`)");
  infer_cmd->add_option("model", infer.model, "zoo:NAME or a path to an .onnx file")->required();
  CLI::Option* infer_seed =
      infer_cmd
          ->add_option("--random-seed", infer.random_seed,
                       "Seed of the random input (default 1; the default input)")
          ->transform(Seed());
  infer_cmd
      ->add_option("--input", infer.input,
                   "Input file: .npy (the model input's shape, or it without the leading 1) or "
                   "an image (PNG, JPEG, PPM/PGM; resized and normalised, docs/models.md)")
      ->excludes(infer_seed);
  infer_cmd->add_option("--kernels", infer.kernels,
                        "Kernel backend: onednn (default) or reference");
  infer_cmd->add_option("--threads", infer.threads, "oneDNN threads (default 0: one per core)")
      ->transform(AtLeast(0));
  infer_cmd
      ->add_option("--repeat", infer.repeat,
                   "Timed runs; more than 1: after an untimed warm-up run, prints median and mean "
                   "(default 1)")
      ->transform(AtLeast(1));
  infer_cmd->add_option("--top", infer.top, "Classes to print per output (default 5)")
      ->transform(AtLeast(0));
  infer_cmd->add_option("--save-output", infer.save_output,
                        "Write the main output (the model's first) as float32 .npy to PATH");
  infer_cmd->add_option("--save-outputs", infer.save_outputs,
                        "Write every output as DIR/<output name>.npy (early exits too)");

  NodeFlags& node = cli->node;
  CLI::App* node_cmd = cli->node_cmd = app.add_subcommand(
      "node", "The daemon an IoT unit runs: receives its layers, computes and forwards tensors");
  node_cmd->add_option("--listen", node.listen,
                       "ZeroMQ endpoint to bind (default tcp://127.0.0.1:*, an ephemeral port)");
  node_cmd->add_option("--name", node.name, "Name used in messages until the deployment names it");
  node_cmd->add_option("--kernels", node.kernels, "Kernel backend: onednn (default) or reference");
  node_cmd->add_option("--threads", node.threads, "oneDNN threads (default 1: one node per core)")
      ->transform(AtLeast(1));
  node_cmd
      ->add_option("--deploy-timeout", node.deploy_timeout_s,
                   "Exit if no deployment arrives within S seconds (default 0: wait forever)")
      ->transform(AtLeast(0));
  node_cmd->add_option("--key", node.key_file,
                       "CURVE: this node's secret key file (distcnn keygen); with "
                       "--coordinator-key, every link is encrypted and only the coordinator's "
                       "key and the keys its deployment names are accepted (docs/security.md)");
  node_cmd->add_option("--coordinator-key", node.coordinator_key_file,
                       "CURVE: the coordinator's public key file (NAME.pub)");

  KeygenFlags& keygen = cli->keygen;
  CLI::App* keygen_cmd = cli->keygen_cmd = app.add_subcommand(
      "keygen", "Write a CURVE key pair: DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub");
  keygen_cmd->add_option("--out", keygen.out, "DIR/NAME of the two files (never overwritten)")
      ->required();

  RunFlags& run = cli->run;
  CLI::App* run_cmd = cli->run_cmd = app.add_subcommand(
      "run", "Plan a scenario, deploy it on node processes, stream frames and measure latency");
  run_cmd->add_option("scenario", run.scenario_path,
                      "Scenario file; omitted: the built-in default (3 AlexNets, 50 units)");
  run_cmd->add_option("--seed", run.default_seed, "Seed of the built-in default scenario")
      ->transform(Seed());
  run_cmd->add_option("--plan", run.plan_path,
                      "Run this plan (`distcnn plan --json` output) instead of planning");
  run_cmd->add_option("--solver", run.solver, "exact (default), milp or brute")
      ->check(CLI::IsMember({"exact", "milp", "brute"}));
  run_cmd->add_option("--time-limit", run.time_limit_s, "Solver time limit in seconds (default 60)")
      ->transform(TimeLimit());
  run_cmd->add_option("--frames", run.frames, "Frames per CNN (default 10)")->transform(AtLeast(1));
  run_cmd
      ->add_option("--warmup", run.warmup,
                   "Frames per CNN streamed first and left out of every figure (default 1)")
      ->transform(AtLeast(0));
  run_cmd
      ->add_option("--rate", run.rate_fps,
                   "Frames per second per CNN (default 0: as fast as --in-flight allows)")
      ->transform(AtLeast(0.0));
  run_cmd->add_option("--in-flight", run.in_flight, "Frames in flight per CNN (default 4)")
      ->transform(AtLeast(1));
  run_cmd->add_flag("--keep-cpus-awake", run.keep_cpus_awake,
                    "Hold a PM QoS request (/dev/cpu_dma_latency = 0) during the run so idle "
                    "CPUs poll instead of halting: faster wake-ups on VMs (root only)");
  run_cmd->add_flag(
      "--monolithic", run.monolithic,
      "After each measured frame, time the whole model on it in this process "
      "(with --node-threads): the monolithic twin, frame by frame (needs --in-flight 1)");
  run_cmd
      ->add_option("--emulate", run.emulate,
                   "Emulate the modelled devices and radio: full (default when given), links "
                   "(radio only) or off")
      ->expected(0, 1)
      ->default_str("full")
      ->check(CLI::IsMember({"full", "links", "off"}));
  run_cmd->add_option("--nodes", run.nodes_file,
                      "YAML `nodes: {UNIT: tcp://HOST:PORT}` of already running nodes");
  run_cmd->add_option("--bind", run.bind, "Endpoint of the coordinator's sockets");
  run_cmd->add_option("--json", run.json_path, "Write the JSON report to PATH ('-': stdout)");
  run_cmd->add_option("--save-outputs", run.save_outputs_dir,
                      "Write every decision as DIR/CNN-fFRAME-OUTPUT.npy");
  run_cmd
      ->add_option("--input-seed", run.input_seed,
                   "Frame f reads the random input of `infer --random-seed` SEED+f (default 1)")
      ->transform(Seed());
  run_cmd
      ->add_option("--calibration-frames", run.calibration_frames,
                   "Sample frames that calibrate gate thresholds (default 256)")
      ->transform(AtLeast(0));
  run_cmd->add_option("--kernels", run.kernels,
                      "Kernel backend of the nodes: onednn (default) or reference");
  run_cmd
      ->add_option("--node-threads", run.node_threads,
                   "oneDNN threads per local node process (default 1)")
      ->transform(AtLeast(1));
  run_cmd
      ->add_option("--deploy-timeout", run.deploy_timeout_s,
                   "Seconds every node has to acknowledge its deployment (default 30; at most "
                   "86400)")
      ->transform(InRange<double>({0, true, 86400}));
  run_cmd
      ->add_option("--heartbeat-timeout", run.heartbeat_timeout_s,
                   "Seconds of silence after which a node is declared failed and the run fails "
                   "over (default 0.8; at most 86400)")
      ->transform(InRange<double>({0, true, 86400}));
  run_cmd->add_option("--fault", run.faults,
                      "Fault injection, repeatable: SIGKILL (or with :stop SIGSTOP) UNIT's "
                      "process after N decisions (UNIT@N[:kill|:stop])");
  run_cmd->add_flag("--restart-failed", run.restart_failed,
                    "Start a failed local node again at its endpoint after the failover; when "
                    "it answers, re-plan so that the run uses it again");
  run_cmd->add_flag("--curve", run.curve,
                    "Encrypt and authenticate every link with CURVE, with fresh keys for this "
                    "run's local nodes and for the coordinator (docs/security.md)");
  run_cmd->add_option("--key", run.key_file,
                      "CURVE: the coordinator's secret key file (implies --curve; needed with "
                      "--nodes, whose nodes were given its .pub with --coordinator-key)");
  run_cmd->add_option("--keys-dir", run.keys_dir,
                      "CURVE: directory holding UNIT.pub for every unit in --nodes");
  return cli;
}

}  // namespace distcnn
