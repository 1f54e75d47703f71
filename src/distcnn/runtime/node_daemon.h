// The `distcnn node` daemon: binds a ZeroMQ endpoint, prints
// "distcnn node NAME: listening on ENDPOINT" as its first stdout line, waits
// for the coordinator's hello and deployment, then serves as a Node until the
// coordinator says stop. Hellos from neighbours that arrive before the
// deployment are remembered. A deployment that fails is reported back to the
// coordinator as an "error" message and the daemon returns the error.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"
#include "distcnn/transport/zmq/curve_keys.h"

namespace distcnn::runtime {

struct NodeDaemonOptions {
  std::string listen = "tcp://127.0.0.1:*";
  std::string name = "node";  // for messages until the deployment names it
  // Give up when no deployment arrives within this time (0: wait forever).
  std::chrono::seconds deploy_timeout{0};
  // CURVE (docs/security.md): this node's key pair and the coordinator's public
  // key (Z85). Until its deployment only the coordinator's key is accepted; then
  // the neighbours' keys it names too (their handshakes wait for it), no other.
  // Refusals are counted in the node's statistics and logged on stderr.
  // Default: keys off.
  std::optional<transport::CurveKeyPair> keys;
  std::string coordinator_key;
};

Status RunNodeDaemon(const NodeDaemonOptions& options, const KernelRegistry& kernels);

}  // namespace distcnn::runtime
