// LocalCluster: starts `distcnn node` processes on this host (one per unit),
// learns the endpoint each one bound from the first line it prints, watches
// for processes that exit, and kills whatever is left when destroyed. Children
// get SIGKILL if the coordinator dies (PR_SET_PDEATHSIG), so none outlive a run.
// Not thread-safe; used by the coordinator's thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "distcnn/base/status.h"

namespace distcnn::runtime {

struct NodeProcess {
  std::string name;  // the unit's id
  pid_t pid = -1;
  std::string endpoint;
  bool exited = false;
  std::string exit_reason;  // "exited with status 1", "killed by signal 9"
};

class LocalCluster {
 public:
  // `program`: the distcnn executable; `extra_args` are passed to every node
  // (e.g. --kernels reference).
  LocalCluster(std::string program, std::vector<std::string> extra_args);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Starts one node listening on `listen` (default: an ephemeral port of
  // 127.0.0.1), with `args` after the common ones, and waits (up to
  // `timeout`) for its endpoint. Returns its index. IoError if it cannot start.
  Result<size_t> Start(const std::string& name, std::chrono::milliseconds timeout,
                       const std::vector<std::string>& args = {},
                       const std::string& listen = "tcp://127.0.0.1:*");

  // Kills node `i` (SIGKILL, which also ends a stopped one), waits for it to
  // exit, and starts it again at the same endpoint with the same arguments:
  // a device that reboots. Returns the new node's index.
  Result<size_t> Restart(size_t i, std::chrono::milliseconds timeout);

  const NodeProcess& node(size_t i) const { return nodes_[i]; }
  size_t size() const { return nodes_.size(); }

  // Reaps children that have exited; returns the indices newly found dead.
  std::vector<size_t> PollExited();

  // Sends `signal` to node `i` unless it has exited (fault injection:
  // SIGKILL, SIGSTOP).
  void Signal(size_t i, int signal);

  // Asks every node to end (SIGTERM: a daemon serves deployment after
  // deployment until told so; a stopped one is continued first), waits up to
  // `timeout` for them to exit, then kills the rest.
  void WaitAll(std::chrono::milliseconds timeout);

 private:
  std::string program_;
  std::vector<std::string> extra_args_;
  std::vector<NodeProcess> nodes_;
  std::vector<std::vector<std::string>> node_args_;  // per node, for Restart
};

// The path of the running executable (/proc/self/exe).
std::string SelfExecutable();

}  // namespace distcnn::runtime
