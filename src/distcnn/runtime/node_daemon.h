// The `distcnn node` daemon: binds a ZeroMQ endpoint, prints
// "distcnn node NAME: listening on ENDPOINT" as its first stdout line, then
// serves deployment after deployment: it waits for the coordinator's hello and
// deployment, serves as a Node until the coordinator says stop, forgets the
// deployment's links and waits for the next one. So a device runs it once (as
// a service, scripts/distcnn-node.service), and a coordinator that re-plans
// after a failure redeploys it without a restart. Hellos that arrive before a
// deployment are remembered. A deployment that fails is reported back to the
// coordinator as an "error" message, and the daemon waits for the next.
// SIGTERM or SIGINT ends it (after the current deployment's work drains).
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
  // Give up when no deployment arrives within this time of starting or of the
  // last deployment's end (0: wait forever).
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
