#include "distcnn/runtime/node_daemon.h"

#include <sys/prctl.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "distcnn/runtime/node.h"
#include "distcnn/transport/zmq/zmq_transport.h"

namespace distcnn::runtime {

namespace {
// Until the deployment gives it a vertex, the daemon is this peer.
constexpr PeerId kUnassignedPeer = 0xFFFE;
// How long the daemon's last messages ("stopped" with the final statistics, or
// the deployment error) may take to leave once it returns.
constexpr auto kLastMessageLinger = std::chrono::seconds(5);
constexpr auto kPoll = std::chrono::milliseconds(100);

std::atomic<bool> terminate_requested{false};

void InstallTerminateHandlers() {
  struct sigaction action {};
  action.sa_handler = [](int) { terminate_requested.store(true); };
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

void Log(const std::string& name, const std::string& line) {
  std::fprintf(stderr, "distcnn node %s: %s\n", name.c_str(), line.c_str());
}

// Serves `node` until the coordinator's stop, or a termination request.
Status ServeUntilStopped(Node& node) {
  std::atomic<bool> served{false};
  std::thread watcher([&] {
    while (!served.load()) {
      if (terminate_requested.load()) {
        node.RequestStop();
        return;
      }
      std::this_thread::sleep_for(kPoll);
    }
  });
  Status status = node.Serve();
  served.store(true);
  watcher.join();
  return status;
}

// Who a deployment links to: the coordinator and its neighbours.
std::map<PeerId, std::string> LinksOf(const VertexDeployment& deployment) {
  std::map<PeerId, std::string> links = deployment.neighbour_endpoints;
  links[kCoordinatorPeer] = deployment.coordinator_endpoint;
  return links;
}

// Closes the links of the last deployment that the next one does not keep.
// Links it keeps stay open: closing one and opening it again would lose what
// is still queued on it (the last deployment's final statistics).
void DropLinks(transport::ZmqTransport& zmq, std::map<PeerId, std::string>* linked,
               const std::map<PeerId, std::string>& wanted) {
  for (auto it = linked->begin(); it != linked->end();) {
    auto keep = wanted.find(it->first);
    if (keep == wanted.end() || keep->second != it->second) {
      (void)zmq.Disconnect(it->first);
      it = linked->erase(it);
    } else {
      ++it;
    }
  }
}

// A coordinator that lost this node probes its endpoint until it answers
// (a restarted device rejoins): the ping names the coordinator's endpoint and
// the vertex this node served, so the daemon can answer before any deployment.
void AnswerProbe(transport::ZmqTransport& zmq, const ControlMessage& ping,
                 std::map<PeerId, std::string>* linked) {
  const nlohmann::json body = nlohmann::json::parse(ping.body, nullptr, false);
  const auto endpoint = body.find("coordinator");
  const auto vertex = body.find("vertex");
  if (endpoint == body.end() || !endpoint->is_string() || vertex == body.end() ||
      !vertex->is_number_unsigned() || vertex->get<uint64_t>() >= kUnassignedPeer) {
    return;  // a ping of a deployment that ended: nobody waits for the answer
  }
  if (!zmq.SetSelf(static_cast<PeerId>(vertex->get<uint64_t>())).ok()) return;
  if (!zmq.Connect(kCoordinatorPeer, endpoint->get<std::string>()).ok()) return;
  (*linked)[kCoordinatorPeer] = endpoint->get<std::string>();
  (void)SendToCoordinator(&zmq, {ControlType::kPong, ping.body, {}});
}

}  // namespace

Status RunNodeDaemon(const NodeDaemonOptions& options, const KernelRegistry& kernels) {
  std::signal(SIGPIPE, SIG_IGN);  // the coordinator closes our stdout after the first line
  InstallTerminateHandlers();
  // Emulation sleeps for modelled compute and transmission times; the default
  // 50 us timer slack would add up over every layer and hop.
  prctl(PR_SET_TIMERSLACK, 1000UL);
  std::optional<transport::ZmqCurveOptions> curve;
  if (options.keys) {
    curve = transport::ZmqCurveOptions{
        *options.keys, /*hold_unknown_until_sealed=*/true,
        [name = options.name](const std::string& line) { Log(name, line); }};
  }
  ASSIGN_OR_RETURN(std::unique_ptr<transport::ZmqTransport> zmq,
                   transport::ZmqTransport::Create(kUnassignedPeer, options.listen, curve));
  zmq->LingerOnClose(kLastMessageLinger);
  if (curve) {
    RETURN_IF_ERROR(zmq->TrustPeer(kCoordinatorPeer, options.coordinator_key)
                        .WithContext(options.name + ": coordinator key"));
    Log(options.name, "CURVE on, public key " + options.keys->public_key);
  }
  std::printf("distcnn node %s: listening on %s\n", options.name.c_str(), zmq->endpoint().c_str());
  std::fflush(stdout);

  std::set<PeerId> greeted;
  std::map<PeerId, std::string> linked;  // by the last deployment
  std::string name = options.name;
  auto waiting_since = transport::Clock::now();
  while (!terminate_requested.load()) {
    if (options.deploy_timeout.count() > 0 &&
        transport::Clock::now() - waiting_since > options.deploy_timeout) {
      return Status(
          StatusCode::kUnavailable,
          name + ": no deployment within " + std::to_string(options.deploy_timeout.count()) + " s");
    }
    Result<transport::Envelope> envelope = zmq->Receive(transport::Clock::now() + kPoll);
    if (!envelope.ok()) {
      if (envelope.status().code() != StatusCode::kUnavailable) {
        Log(name, envelope.status().message());
      }
      continue;
    }
    const transport::Message& m = envelope->message;
    if (m.header.kind == transport::MessageKind::kHello) {
      Result<uint16_t> version =
          transport::NegotiateVersion(std::span<const uint16_t>(&transport::kWireVersion, 1), m);
      if (version.ok()) {
        greeted.insert(envelope->from);
      } else {  // "hello: peer speaks wire versions [2]; this build speaks [4]"
        Log(name,
            "refused peer " + std::to_string(envelope->from) + ": " + version.status().message());
      }
      continue;
    }
    if (envelope->from != kCoordinatorPeer || !greeted.count(kCoordinatorPeer) ||
        m.header.kind != transport::MessageKind::kControl) {
      // Stale traffic of a deployment that ended, or a stranger: not an error.
      continue;
    }
    Result<ControlMessage> control = DecodeControl(m);
    if (control.ok() && control->type == ControlType::kPing) {
      AnswerProbe(*zmq, *control, &linked);
      continue;
    }
    if (!control.ok() || control->type != ControlType::kDeploy) {
      if (!control.ok()) Log(name, "expected a deployment: " + control.status().message());
      continue;
    }
    Result<VertexDeployment> deployment = DecodeDeployment(*control);
    if (!deployment.ok()) {
      Log(name, deployment.status().message());
      continue;
    }
    RETURN_IF_ERROR(zmq->SetSelf(deployment->vertex));
    if (zmq->curve()) {  // the peers it names, and no others from now on
      for (const auto& [peer, key] : deployment->peer_keys) {
        RETURN_IF_ERROR(zmq->TrustPeer(peer, key).WithContext(deployment->name + ": deployment"));
      }
      zmq->SealPeers();
    }
    name = deployment->name;
    const std::map<PeerId, std::string> links = LinksOf(*deployment);
    DropLinks(*zmq, &linked, links);
    Result<std::unique_ptr<Node>> node = Node::Create(std::move(*deployment), zmq.get(), kernels);
    linked = links;  // Node::Create connected them, or failed on the way
    if (!node.ok()) {
      // Tell the coordinator why (the connection may already exist).
      (void)zmq->Connect(kCoordinatorPeer, links.at(kCoordinatorPeer));
      (void)SendToCoordinator(zmq.get(), MakeError(node.status().message()));
      Log(name, "deployment refused: " + node.status().message());
      waiting_since = transport::Clock::now();
      continue;
    }
    for (PeerId peer : greeted) (*node)->AcceptPeer(peer);
    RETURN_IF_ERROR(SendToCoordinator(zmq.get(), {ControlType::kDeployed, "{}", {}}));
    Status served = ServeUntilStopped(**node);
    if (!served.ok()) Log(name, served.message());
    const std::set<PeerId> peers = (*node)->Greeted();
    greeted.insert(peers.begin(), peers.end());
    node->reset();
    waiting_since = transport::Clock::now();
  }
  return Status::Ok();
}

}  // namespace distcnn::runtime
