// libFuzzer target: the `distcnn` command line (cli/command_line.h). The input
// is split at '\n' into arguments (argv[1..]); the app that main() builds
// parses them and runs only the flag checks, never a command. Parsing either
// succeeds with exactly one command selected or throws CLI::ParseError (bad
// arguments, --help): any other exception, crash or sanitizer report is a
// finding.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "distcnn/cli/command_line.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  std::vector<std::string> args = {"distcnn"};
  std::string current;
  for (char c : fuzz::AsText(data, size)) {
    if (c == '\n') {
      args.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) args.push_back(current);
  if (args.size() > 64) return 0;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());

  std::unique_ptr<CommandLine> cli = BuildCommandLine();
  try {
    cli->app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return 0;
  }
  int selected = 0;
  for (CLI::App* cmd :
       {cli->plan_cmd, cli->sweep_cmd, cli->profile_cmd, cli->zoo_list_cmd, cli->zoo_export_cmd,
        cli->infer_cmd, cli->node_cmd, cli->keygen_cmd, cli->run_cmd}) {
    selected += cmd->parsed() ? 1 : 0;
  }
  if (selected != 1) {
    std::fprintf(stderr, "parsing selected %d commands\n", selected);
    std::abort();
  }
  return 0;
}
