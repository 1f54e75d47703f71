#include "distcnn/runtime/node_daemon.h"

#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "distcnn/runtime/node.h"
#include "distcnn/transport/zmq/zmq_transport.h"

namespace distcnn::runtime {

namespace {
// Until the deployment gives it a vertex, the daemon is this peer.
constexpr PeerId kUnassignedPeer = 0xFFFE;
// How long the daemon's last messages ("stopped" with the final statistics, or
// the deployment error) may take to leave once it returns.
constexpr auto kLastMessageLinger = std::chrono::seconds(5);
}  // namespace

Status RunNodeDaemon(const NodeDaemonOptions& options, const KernelRegistry& kernels) {
  std::signal(SIGPIPE, SIG_IGN);  // the coordinator closes our stdout after the first line
  // Emulation sleeps for modelled compute and transmission times; the default
  // 50 us timer slack would add up over every layer and hop.
  prctl(PR_SET_TIMERSLACK, 1000UL);
  std::optional<transport::ZmqCurveOptions> curve;
  if (options.keys) {
    curve = transport::ZmqCurveOptions{*options.keys, /*hold_unknown_until_sealed=*/true,
                                       [name = options.name](const std::string& line) {
                                         std::fprintf(stderr, "distcnn node %s: %s\n", name.c_str(),
                                                      line.c_str());
                                       }};
  }
  ASSIGN_OR_RETURN(std::unique_ptr<transport::ZmqTransport> zmq,
                   transport::ZmqTransport::Create(kUnassignedPeer, options.listen, curve));
  if (curve) {
    RETURN_IF_ERROR(zmq->TrustPeer(kCoordinatorPeer, options.coordinator_key)
                        .WithContext(options.name + ": coordinator key"));
    std::fprintf(stderr, "distcnn node %s: CURVE on, public key %s\n", options.name.c_str(),
                 options.keys->public_key.c_str());
  }
  std::printf("distcnn node %s: listening on %s\n", options.name.c_str(), zmq->endpoint().c_str());
  std::fflush(stdout);

  std::set<PeerId> greeted;
  const auto started = transport::Clock::now();
  while (true) {
    if (options.deploy_timeout.count() > 0 &&
        transport::Clock::now() - started > options.deploy_timeout) {
      return Status(StatusCode::kUnavailable, options.name + ": no deployment within " +
                                                  std::to_string(options.deploy_timeout.count()) +
                                                  " s");
    }
    Result<transport::Envelope> envelope =
        zmq->Receive(transport::Clock::now() + std::chrono::milliseconds(100));
    if (!envelope.ok()) {
      if (envelope.status().code() != StatusCode::kUnavailable) {
        std::fprintf(stderr, "distcnn node %s: %s\n", options.name.c_str(),
                     envelope.status().message().c_str());
      }
      continue;
    }
    const transport::Message& m = envelope->message;
    if (m.header.kind == transport::MessageKind::kHello) {
      Result<uint16_t> version =
          transport::NegotiateVersion(std::span<const uint16_t>(&transport::kWireVersion, 1), m);
      if (version.ok()) {
        greeted.insert(envelope->from);
      } else {  // "hello: peer speaks wire versions [2]; this build speaks [3]"
        std::fprintf(stderr, "distcnn node %s: refused peer %u: %s\n", options.name.c_str(),
                     envelope->from, version.status().message().c_str());
      }
      continue;
    }
    if (envelope->from != kCoordinatorPeer || !greeted.count(kCoordinatorPeer) ||
        m.header.kind != transport::MessageKind::kControl) {
      std::fprintf(stderr, "distcnn node %s: dropped a message from peer %u before deployment\n",
                   options.name.c_str(), envelope->from);
      continue;
    }
    Result<ControlMessage> control = DecodeControl(m);
    if (!control.ok() || control->type != "deploy") {
      std::fprintf(stderr, "distcnn node %s: expected a deployment: %s\n", options.name.c_str(),
                   control.ok() ? control->type.c_str() : control.status().message().c_str());
      continue;
    }
    ASSIGN_OR_RETURN(VertexDeployment deployment, DecodeDeployment(*control));
    RETURN_IF_ERROR(zmq->SetSelf(deployment.vertex));
    if (zmq->curve()) {  // the peers it names, and no others from now on
      for (const auto& [peer, key] : deployment.peer_keys) {
        RETURN_IF_ERROR(zmq->TrustPeer(peer, key).WithContext(deployment.name + ": deployment"));
      }
      zmq->SealPeers();
    }
    const std::string name = deployment.name;
    const std::string coordinator = deployment.coordinator_endpoint;
    Result<std::unique_ptr<Node>> node = Node::Create(std::move(deployment), zmq.get(), kernels);
    if (!node.ok()) {
      // Tell the coordinator why (the connection may already exist).
      (void)zmq->Connect(kCoordinatorPeer, coordinator);
      (void)SendToCoordinator(
          zmq.get(), {"error", nlohmann::json{{"message", node.status().message()}}.dump(), {}});
      zmq->LingerOnClose(kLastMessageLinger);
      return node.status().WithContext(name);
    }
    for (PeerId peer : greeted) (*node)->AcceptPeer(peer);
    RETURN_IF_ERROR(SendToCoordinator(zmq.get(), {"deployed", "{}", {}}));
    Status served = (*node)->Serve();
    zmq->LingerOnClose(kLastMessageLinger);
    return served;
  }
}

}  // namespace distcnn::runtime
