// `distcnn node --listen ENDPOINT`: the daemon each IoT unit runs
// (runtime/node_daemon.h). Returns the exit status.
#pragma once

#include <string>

namespace distcnn {

struct NodeFlags {
  std::string listen = "tcp://127.0.0.1:*";
  std::string name = "node";
  std::string kernels = "onednn";
  int threads = 1;
  int deploy_timeout_s = 0;
};

int RunNodeCommand(const NodeFlags& flags);

}  // namespace distcnn
