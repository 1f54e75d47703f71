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
  // CURVE (docs/security.md): this node's secret key file and the
  // coordinator's public key file; both or neither (keys off).
  std::string key_file;
  std::string coordinator_key_file;
};

int RunNodeCommand(const NodeFlags& flags);

}  // namespace distcnn
