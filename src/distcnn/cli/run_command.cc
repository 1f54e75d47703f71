#include "distcnn/cli/run_command.h"

#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "distcnn/cli/exit_status.h"
#include "distcnn/cli/flag_checks.h"
#include "distcnn/cli/kernel_choice.h"
#include "distcnn/cli/output_paths.h"
#include "distcnn/io/file_bytes.h"
#include "distcnn/io/npy.h"
#include "distcnn/placement/solver.h"
#include "distcnn/report/plan_json.h"
#include "distcnn/runtime/deployment.h"
#include "distcnn/runtime/run_report.h"
#include "distcnn/sim/default_scenario.h"
#include "distcnn/transport/zmq/curve_keys.h"

namespace distcnn {
namespace {

// --nodes FILE: a YAML map from unit id to the endpoint its `distcnn node` listens on.
Result<std::map<std::string, std::string>> LoadNodesFile(const std::string& path) {
  std::map<std::string, std::string> out;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    const YAML::Node nodes = root["nodes"];
    if (!nodes || !nodes.IsMap()) {
      return InvalidArgument(path + ": expected a mapping `nodes: {UNIT: tcp://HOST:PORT, ...}`");
    }
    for (const auto& kv : nodes) {
      out[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return out;
}

// --curve, --key, --keys-dir: the coordinator's key pair and the public key of
// every unit in --nodes (after o->remote_endpoints is read).
Status LoadRunKeys(const RunFlags& flags, runtime::RunOptions* o) {
  if (!flags.keys_dir.empty() && flags.key_file.empty()) {
    return InvalidArgument(
        "--keys-dir needs --key FILE: the nodes it names hold the coordinator's public key");
  }
  if (!flags.curve && flags.key_file.empty()) return Status::Ok();
  if (!o->remote_endpoints.empty() && (flags.key_file.empty() || flags.keys_dir.empty())) {
    return InvalidArgument(
        "--nodes with CURVE needs --key FILE (the coordinator's secret key, whose public key the "
        "nodes were started with) and --keys-dir DIR (UNIT.pub of every unit in --nodes)");
  }
  if (flags.key_file.empty()) {
    ASSIGN_OR_RETURN(o->curve_keys, transport::GenerateCurveKeyPair());
  } else {
    Result<transport::CurveKeyPair> keys = transport::LoadSecretKeyFile(flags.key_file);
    if (!keys.ok()) return keys.status().WithContext("--key");
    o->curve_keys = *keys;
  }
  for (const auto& [unit, endpoint] : o->remote_endpoints) {
    Result<std::string> key = transport::LoadPublicKeyFile(flags.keys_dir + "/" + unit + ".pub");
    if (!key.ok()) return key.status().WithContext("--keys-dir: unit " + unit);
    o->node_public_keys[unit] = *key;
  }
  return Status::Ok();
}

Result<runtime::RunOptions> MakeOptions(const RunFlags& flags) {
  runtime::RunOptions o;
  o.frames = flags.frames;
  o.warmup = flags.warmup;
  o.rate_fps = flags.rate_fps;
  o.in_flight = flags.in_flight;
  ASSIGN_OR_RETURN(o.emulation, runtime::ParseEmulationMode(flags.emulate));
  o.input_seed = flags.input_seed;
  o.calibration_frames = flags.calibration_frames;
  o.keep_outputs = !flags.save_outputs_dir.empty();
  o.monolithic = flags.monolithic;
  o.keep_cpus_awake = flags.keep_cpus_awake;
  o.bind = flags.bind;
  o.node_args = {"--kernels", flags.kernels, "--threads", std::to_string(flags.node_threads)};
  o.heartbeat_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.heartbeat_timeout_s * 1000));
  o.deploy_timeout = std::chrono::milliseconds(static_cast<int64_t>(flags.deploy_timeout_s * 1000));
  // The monolithic twin computes with the nodes' threads, to compare like with like.
  ASSIGN_OR_RETURN(o.kernels,
                   ChooseKernels(flags.kernels, flags.monolithic ? flags.node_threads : 0));
  if (!flags.nodes_file.empty()) {
    ASSIGN_OR_RETURN(o.remote_endpoints, LoadNodesFile(flags.nodes_file));
  }
  RETURN_IF_ERROR(LoadRunKeys(flags, &o));
  o.restart_failed = flags.restart_failed;
  for (const std::string& text : flags.faults) {
    ASSIGN_OR_RETURN(const FaultFlag fault, ParseFaultFlag(text));
    o.faults.push_back(runtime::FaultInjection{
        fault.unit, fault.after_decisions,
        fault.stop ? runtime::FaultAction::kStop : runtime::FaultAction::kKill});
  }
  o.progress = [](const std::string& line) { std::fprintf(stderr, "run: %s\n", line.c_str()); };
  return o;
}

std::string Sanitise(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return name;
}

// Plans with the chosen solver. NotFound: infeasible; Unavailable: no plan in time.
Result<Plan> SolvePlan(const RunFlags& flags, const CostModel& model) {
  ASSIGN_OR_RETURN(std::unique_ptr<Solver> solver, MakeSolver(flags.solver));
  SolveOptions options;
  options.time_limit_s = flags.time_limit_s;
  const SolveResult plan = solver->Solve(model, options);
  if (plan.status == SolveStatus::kInfeasible) {
    return Status(StatusCode::kNotFound, "the scenario has no feasible plan (see distcnn plan)");
  }
  if (!plan.plan) return Status(StatusCode::kUnavailable, "no plan within the time limit");
  std::fprintf(stderr, "plan: %s, predicted objective %.3f ms (solver %s, %.3f s)\n",
               SolveStatusName(plan.status), plan.objective_s * 1e3, plan.solver.c_str(),
               plan.solve_time_s);
  return *plan.plan;
}

// --fault names a unit of the scenario whose node `run` starts and that takes
// part in the plan; otherwise the fault would silently never happen.
Status CheckFaultUnits(const runtime::RunOptions& options, const Problem& problem,
                       const Plan* plan) {
  for (const runtime::FaultInjection& fault : options.faults) {
    const std::string prefix = "--fault " + fault.unit + "@" +
                               std::to_string(fault.after_decisions) + ": unit '" + fault.unit +
                               "'";
    int unit = -1;
    for (int u = 0; u < problem.num_units(); ++u) {
      if (problem.system.units[static_cast<size_t>(u)].id == fault.unit) unit = u;
    }
    if (unit < 0) return InvalidArgument(prefix + " is not a unit of the scenario");
    if (options.remote_endpoints.count(fault.unit)) {
      return InvalidArgument(prefix +
                             " runs on a node given by --nodes; run can only signal the "
                             "node processes it starts");
    }
    if (plan && !plan->units_taking_part().count(unit)) {
      return InvalidArgument(prefix +
                             " takes no part in the plan (it runs no layer and relays "
                             "nothing)");
    }
  }
  return Status::Ok();
}

// Failover: the same solver, on the scenario without the failed units, with
// the time limit of the first solve.
std::function<Result<runtime::Replan>(const Problem&, const Plan&)> Replanner(
    const RunFlags& flags) {
  return [solver_name = flags.solver, time_limit_s = flags.time_limit_s](
             const Problem& problem, const Plan& current) -> Result<runtime::Replan> {
    (void)current;  // the solvers take no starting plan yet; see docs/runtime.md
    ASSIGN_OR_RETURN(std::unique_ptr<Solver> solver, MakeSolver(solver_name));
    const CostModel model(problem);
    SolveOptions options;
    options.time_limit_s = time_limit_s;
    SolveResult result = solver->Solve(model, options);
    if (result.status == SolveStatus::kInfeasible) {
      return Status(StatusCode::kNotFound, "no plan exists without the failed unit(s)" +
                                               (result.note.empty() ? "" : ": " + result.note));
    }
    if (!result.plan) {
      return Status(StatusCode::kUnavailable, "no plan found within the time limit");
    }
    return runtime::Replan{*std::move(result.plan), result.objective_s,
                           SolveStatusName(result.status)};
  };
}

// Without a scenario, a plan runs on the built-in default only if it says it
// was made for it (its scenario_digest).
Result<Plan> LoadPlan(const std::string& path, const Problem& problem, bool default_scenario) {
  ASSIGN_OR_RETURN(std::string text, io::ReadFileBytes(path));
  std::fprintf(stderr, "plan: read from %s\n", path.c_str());
  Result<Plan> plan = ReadPlan(problem, text, path, default_scenario);
  if (!plan.ok() && default_scenario) {
    return InvalidArgument(plan.status().message() +
                           "; no scenario was given, so the plan was checked against the "
                           "built-in default: give the scenario it was made for (distcnn run "
                           "SCENARIO --plan " +
                           path + ")");
  }
  return plan;
}

// Ctrl-C stops the stream cleanly (the coordinator stops the nodes and the
// report says what is missing); a second Ctrl-C ends the process at once.
// Local nodes sit in their own process group, so the terminal's SIGINT reaches
// only this process.
const std::atomic<bool>& InterruptFlag() {
  static std::atomic<bool> interrupted{false};
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_handler = [](int) { interrupted.store(true); };
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    return sigaction(SIGINT, &action, nullptr) == 0;
  }();
  (void)installed;
  return interrupted;
}

}  // namespace

int RunRunCommand(const RunFlags& flags) {
  Result<runtime::RunOptions> options = MakeOptions(flags);
  if (!options.ok()) return Fail(options.status());
  // Outputs are checked before any work starts.
  if (!flags.json_path.empty() && flags.json_path != "-") {
    if (Status s = CheckOutputFile("--json", flags.json_path); !s.ok()) return Fail(s);
  }
  if (!flags.save_outputs_dir.empty()) {
    if (Status s = PrepareOutputDirectory("--save-outputs", flags.save_outputs_dir); !s.ok()) {
      return Fail(s);
    }
  }
  Result<Scenario> scenario = flags.scenario_path.empty() ? DefaultScenario(flags.default_seed)
                                                          : LoadScenarioFile(flags.scenario_path);
  if (!scenario.ok()) return Fail(scenario.status());
  if (Status s = CheckFaultUnits(*options, scenario->problem, nullptr); !s.ok()) return Fail(s);
  if (flags.scenario_path.empty()) {
    std::fprintf(stderr, "no scenario given: running the built-in default (seed %llu)\n",
                 static_cast<unsigned long long>(flags.default_seed));
  }
  const CostModel model(scenario->problem);
  Result<Plan> plan = flags.plan_path.empty() ? SolvePlan(flags, model)
                                              : LoadPlan(flags.plan_path, scenario->problem,
                                                         flags.scenario_path.empty());
  if (!plan.ok()) {
    std::cerr << "error: " << plan.status().message() << "\n";
    return plan.status().code() == StatusCode::kNotFound      ? kExitInfeasible
           : plan.status().code() == StatusCode::kUnavailable ? kExitNoPlan
                                                              : kExitBadInput;
  }
  const Evaluation predicted = Evaluate(model, *plan);
  if (!predicted.feasible()) {
    return Fail(InvalidArgument(
        flags.plan_path + ": the plan violates the scenario: " + predicted.violations.front()));
  }
  if (Status s = CheckFaultUnits(*options, scenario->problem, &*plan); !s.ok()) {
    return Fail(s);
  }
  options->interrupt = &InterruptFlag();
  // A plan given without its scenario cannot be re-planned (it ran against
  // the built-in default only because its digest says so).
  if (flags.plan_path.empty() || !flags.scenario_path.empty()) options->replan = Replanner(flags);
  options->scenario_name = scenario->path;
  if (options->progress) options->progress("loading models");
  runtime::RunModels models;
  if (Result<std::vector<runtime::CnnProgram>> programs = runtime::LoadCnnPrograms(*scenario);
      programs.ok()) {
    models.programs = *std::move(programs);
  } else {
    return Fail(programs.status());
  }
  for (size_t c = 0; options->monolithic && c < scenario->problem.cnns.size(); ++c) {
    Result<Graph> whole = runtime::LoadWholeModel(*scenario, c);
    if (!whole.ok()) return Fail(whole.status());
    models.whole.push_back(*std::move(whole));
  }
  Result<runtime::RunReport> report =
      runtime::RunPlan(scenario->problem, *plan, std::move(models), predicted, *options);
  if (!report.ok()) return Fail(report.status());
  // With --json -, stdout holds the JSON alone; the text report goes to stderr.
  (flags.json_path == "-" ? std::cerr : std::cout) << runtime::RunReportText(*report);
  if (!flags.json_path.empty()) {
    const std::string json = runtime::RunReportJson(*report) + "\n";
    if (flags.json_path == "-") {
      std::cout << json;
    } else if (Status s = io::WriteFileBytes(flags.json_path, json); !s.ok()) {
      return Fail(s);
    }
  }
  if (!flags.save_outputs_dir.empty()) {
    for (const runtime::SavedOutput& o : report->outputs) {
      const std::string path = flags.save_outputs_dir + "/" +
                               Sanitise(scenario->problem.cnns[o.cnn].name) + "-f" +
                               std::to_string(o.frame) + "-" + Sanitise(o.output) + ".npy";
      if (Status s = io::WriteNpy(path, o.tensor); !s.ok()) return Fail(s);
    }
    std::fprintf(stderr, "wrote %zu output(s) to %s\n", report->outputs.size(),
                 flags.save_outputs_dir.c_str());
  }
  if (report->interrupted) return kExitInterrupted;
  return report->ok() ? kExitOk : kExitRunFailed;
}

}  // namespace distcnn
