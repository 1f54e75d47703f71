// The `distcnn` command line: every subcommand and flag with its checks
// (cli/flag_checks.h), built by BuildCommandLine() and parsed by CLI11 into the
// commands' flag structs. main.cc runs the command that was parsed;
// fuzz/cli_args_fuzz.cc parses fuzzed argument vectors with the same app.
// A CommandLine is not copyable or movable (its options point into its
// flags); one thread at a time.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

#include "distcnn/cli/infer_command.h"
#include "distcnn/cli/keygen_command.h"
#include "distcnn/cli/node_command.h"
#include "distcnn/cli/plan_command.h"
#include "distcnn/cli/profile_command.h"
#include "distcnn/cli/run_command.h"
#include "distcnn/cli/sweep_command.h"
#include "distcnn/cli/zoo_command.h"

namespace distcnn {

struct CommandLine {
  CommandLine() = default;
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  CLI::App app{"distcnn: plan and run CNNs distributed over IoT units"};
  // The flags of each command, filled in by app.parse().
  PlanFlags plan;
  SweepFlags sweep;
  ProfileFlags profile;
  ZooFlags zoo;
  InferFlags infer;
  NodeFlags node;
  KeygenFlags keygen;
  RunFlags run;
  // The subcommands (owned by `app`): after parsing, the one that parsed() is
  // the command to run.
  CLI::App* plan_cmd = nullptr;
  CLI::App* sweep_cmd = nullptr;
  CLI::App* profile_cmd = nullptr;
  CLI::App* zoo_list_cmd = nullptr;
  CLI::App* zoo_export_cmd = nullptr;
  CLI::App* infer_cmd = nullptr;
  CLI::App* node_cmd = nullptr;
  CLI::App* keygen_cmd = nullptr;
  CLI::App* run_cmd = nullptr;
};

// The `distcnn` app with every subcommand, option and validator; parsing it
// runs nothing but the flag checks. app.parse() throws CLI::ParseError (and
// only that) for bad arguments, --help included.
std::unique_ptr<CommandLine> BuildCommandLine();

}  // namespace distcnn
