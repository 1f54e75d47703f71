// Node: the runtime of one vertex of the IoT system (a unit, or a source or
// sink with a vertex of its own). It runs the layer slices of its deployment on
// the frames it receives, forwards results along the plan's hop paths, relays
// traffic addressed to others (the route in each header), hands decisions that
// reach their sink to the coordinator, and answers ping / stats / stop.
// Two resources, each used by one job at a time in FIFO order: compute (a
// layer) and the radio (a transmission; under emulation each payload occupies
// it for bytes * 8 / rate). Serve's thread and two helpers take turns at
// receiving, computing and transmitting (leader/followers, see node.cc), so a
// frame is not handed between threads on its way through. Messages from a peer
// that has not sent an acceptable hello are rejected and counted.
#pragma once

#include <memory>
#include <set>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"
#include "distcnn/runtime/deployment.h"
#include "distcnn/runtime/node_stats.h"
#include "distcnn/transport/transport.h"

namespace distcnn::runtime {

class Node {
 public:
  // Imports the slices (ONNX bytes), connects to the coordinator and the
  // neighbours and greets them. `transport` (whose self() is the deployment's
  // vertex) and `kernels` must outlive the node. Errors: kInvalidArgument (a
  // slice that does not import or has no kernel), transport errors.
  static Result<std::unique_ptr<Node>> Create(VertexDeployment deployment,
                                              transport::Transport* transport,
                                              const KernelRegistry& kernels);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Accepts `peer` as greeted: the daemon negotiates the coordinator's hello
  // before the deployment arrives. Call before Serve().
  void AcceptPeer(PeerId peer);

  // Receives and handles messages until a "stop" from the coordinator (then
  // drains compute and radio, replies "stopped" with the final stats and
  // returns Ok) or RequestStop(). Transport failures are counted, not fatal.
  // Runs the node's threads: call once.
  Status Serve();

  // Makes Serve() return once the queued work is done, within its poll
  // interval (signal handlers, tests).
  void RequestStop();

  NodeStats Stats() const;

  // The peers whose hello it accepted; after Serve() returns, for the next
  // deployment of the same endpoint (peers greet once per connection).
  std::set<PeerId> Greeted() const;

 private:
  struct Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Sends `control` to the coordinator; shared by the node and its daemon.
Status SendToCoordinator(transport::Transport* transport, const ControlMessage& control);

}  // namespace distcnn::runtime
