#include "distcnn/runtime/local_cluster.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace distcnn::runtime {
namespace {

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "stopped (status " + std::to_string(status) + ")";
}

// Reads one line from `fd` within `timeout`; nullopt on timeout or EOF.
std::optional<std::string> ReadLine(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char c = 0;
    const ssize_t n = read(fd, &c, 1);
    if (n <= 0) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
}

}  // namespace

std::string SelfExecutable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

LocalCluster::LocalCluster(std::string program, std::vector<std::string> extra_args)
    : program_(std::move(program)), extra_args_(std::move(extra_args)) {}

LocalCluster::~LocalCluster() {
  for (NodeProcess& n : nodes_) {
    if (!n.exited && n.pid > 0) kill(n.pid, SIGKILL);
  }
  for (NodeProcess& n : nodes_) {
    if (!n.exited && n.pid > 0) waitpid(n.pid, nullptr, 0);
  }
}

Result<size_t> LocalCluster::Restart(size_t i, std::chrono::milliseconds timeout) {
  NodeProcess& old = nodes_[i];
  if (!old.exited) {
    kill(old.pid, SIGKILL);
    int status = 0;
    waitpid(old.pid, &status, 0);
    old.exited = true;
    old.exit_reason = DescribeExit(status);
  }
  const std::string name = old.name;
  const std::string endpoint = old.endpoint;
  const std::vector<std::string> args = node_args_[i];
  return Start(name, timeout, args, endpoint);
}

Result<size_t> LocalCluster::Start(const std::string& name, std::chrono::milliseconds timeout,
                                   const std::vector<std::string>& node_args,
                                   const std::string& listen) {
  int out[2];
  if (pipe(out) != 0) return IoError(std::string("pipe: ") + std::strerror(errno));
  std::vector<std::string> args = {program_, "node", "--listen", listen, "--name", name};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  args.insert(args.end(), node_args.begin(), node_args.end());
  const pid_t pid = fork();
  if (pid < 0) return IoError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Out of the terminal's process group: Ctrl-C reaches the coordinator,
    // which stops its nodes itself (and reports what they did).
    setpgid(0, 0);
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(program_.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  NodeProcess node{name, pid, "", false, ""};
  const std::optional<std::string> line = ReadLine(out[0], timeout);
  close(out[0]);
  const std::string prefix = "listening on ";
  const size_t at = line ? line->find(prefix) : std::string::npos;
  if (at == std::string::npos) {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    return IoError("node " + name + " (" + program_ + " node) did not report its endpoint: " +
                   (line ? "printed '" + *line + "'" : DescribeExit(status)));
  }
  node.endpoint = line->substr(at + prefix.size());
  nodes_.push_back(std::move(node));
  node_args_.push_back(node_args);
  return nodes_.size() - 1;
}

std::vector<size_t> LocalCluster::PollExited() {
  std::vector<size_t> dead;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    NodeProcess& n = nodes_[i];
    if (n.exited) continue;
    int status = 0;
    if (waitpid(n.pid, &status, WNOHANG) == n.pid) {
      n.exited = true;
      n.exit_reason = DescribeExit(status);
      dead.push_back(i);
    }
  }
  return dead;
}

void LocalCluster::Signal(size_t i, int signal) {
  if (!nodes_[i].exited) kill(nodes_[i].pid, signal);
}

void LocalCluster::WaitAll(std::chrono::milliseconds timeout) {
  PollExited();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Signal(i, SIGTERM);
    Signal(i, SIGCONT);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    PollExited();
    bool all = true;
    for (const NodeProcess& n : nodes_) all = all && n.exited;
    if (all) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (size_t i = 0; i < nodes_.size(); ++i) Signal(i, SIGKILL);
  for (NodeProcess& n : nodes_) {
    if (!n.exited) {
      int status = 0;
      waitpid(n.pid, &status, 0);
      n.exited = true;
      n.exit_reason = DescribeExit(status);
    }
  }
}

}  // namespace distcnn::runtime
