// Runs the real `distcnn` binary (DISTCNN_BINARY, set by CMake) for the CLI
// tests and captures its exit status, stdout and stderr. Each test process
// gets its own scratch directory under the system temp directory.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

// The kernels the run tests ask for (CMake may set another, e.g. reference).
#ifndef DISTCNN_TEST_KERNELS
#define DISTCNN_TEST_KERNELS "onednn"
#endif

namespace distcnn::testing {

// " --kernels NAME": the flag that makes a run use DISTCNN_TEST_KERNELS.
inline const std::string kKernels = std::string(" --kernels ") + DISTCNN_TEST_KERNELS;

struct CliRun {
  int exit_status = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;
};

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scratch directory for this test process (created on first use).
inline std::filesystem::path TempDir() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("distcnn_cli_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

// Runs `distcnn ARGS` through the shell (ARGS may hold redirections-free flags).
inline CliRun RunCli(const std::string& args) {
  const std::filesystem::path dir = TempDir();
  const std::string cmd = std::string(DISTCNN_BINARY) + " " + args + " > " +
                          (dir / "out").string() + " 2> " + (dir / "err").string();
  const int raw = std::system(cmd.c_str());
  CliRun run;
  run.exit_status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = ReadFile(dir / "out");
  run.err = ReadFile(dir / "err");
  return run;
}

}  // namespace distcnn::testing
