// The `distcnn` command: parses flags and calls the libraries. Exit statuses:
// 0 success, 1 bad input or runtime failure, 2 infeasible plan, 3 no plan in time.
// Every numeric flag is range-checked while parsing (cli/flag_checks.h); no
// exception leaves main: one that escapes a command is reported on stderr as
// "distcnn: error: ..." with exit status 1. The subcommands and flags are
// built in cli/command_line.cc.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <memory>
#include <new>

#include "distcnn/base/allocator.h"
#include "distcnn/cli/command_line.h"
#include "distcnn/cli/exit_status.h"

namespace {

int Main(int argc, char** argv) {
  distcnn::KeepTensorBlocksOnTheHeap();
  std::unique_ptr<distcnn::CommandLine> cli = distcnn::BuildCommandLine();
  try {
    cli->app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli->app.exit(e);
    return code == 0 ? 0 : 1;
  }
  if (cli->plan_cmd->parsed()) return distcnn::RunPlanCommand(cli->plan);
  if (cli->sweep_cmd->parsed()) return distcnn::RunSweepCommand(cli->sweep);
  if (cli->profile_cmd->parsed()) return distcnn::RunProfileCommand(cli->profile);
  if (cli->infer_cmd->parsed()) return distcnn::RunInferCommand(cli->infer);
  if (cli->node_cmd->parsed()) return distcnn::RunNodeCommand(cli->node);
  if (cli->keygen_cmd->parsed()) return distcnn::RunKeygenCommand(cli->keygen);
  if (cli->run_cmd->parsed()) return distcnn::RunRunCommand(cli->run);
  if (cli->zoo_list_cmd->parsed()) return distcnn::RunZooList();
  if (cli->zoo_export_cmd->parsed()) return distcnn::RunZooExport(cli->zoo);
  return distcnn::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  // Our code does not throw; this catches what a library lets escape, so that
  // no exception ends the process with std::terminate.
  try {
    return Main(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "distcnn: error: out of memory (a tensor or buffer is larger than this host "
                 "can allocate)\n";
  } catch (const std::exception& e) {
    std::cerr << "distcnn: error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "distcnn: error: unknown exception\n";
  }
  return distcnn::kExitBadInput;
}
