#include "distcnn/transport/zmq/zmq_transport.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "distcnn/transport/zmq/zap_authenticator.h"

namespace distcnn::transport {
namespace {

constexpr auto kLastMillisecondStep = std::chrono::microseconds(50);

// Routing ids must not start with a zero byte (reserved by ZeroMQ): 'u' + uint16 LE.
std::string RoutingId(PeerId peer) {
  return std::string{'u', static_cast<char>(peer & 0xff), static_cast<char>(peer >> 8)};
}

Status FromZmq(const zmq::error_t& e, const std::string& what) {
  return IoError("zmq: " + what + ": " + e.what());
}

void FreePayload(void* /*data*/, void* hint) { delete static_cast<std::vector<std::byte>*>(hint); }

}  // namespace

struct ZmqTransport::Impl {
  std::atomic<PeerId> self{0};
  std::string endpoint;
  zmq::context_t context{1};
  std::mutex recv_mutex;
  zmq::socket_t router{context, zmq::socket_type::router};
  std::mutex send_mutex;
  std::map<PeerId, zmq::socket_t> dealers;
  std::map<PeerId, std::string> dealer_endpoints;
  int linger_ms = 0;  // LingerOnClose: for every sending socket, later ones too
  MessageDecoder decoder;
  // CURVE (none: plain TCP). The keys of trusted peers are guarded by send_mutex.
  std::optional<ZmqCurveOptions> curve;
  std::map<PeerId, std::string> peer_keys;
  // Declared last: stops before the router and the context go.
  std::unique_ptr<ZapAuthenticator> authenticator;
};

ZmqTransport::ZmqTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ZmqTransport::~ZmqTransport() {
  try {
    impl_.reset();
  } catch (const zmq::error_t&) {
    // Closing sockets at shutdown cannot be reported; dropping is the only option.
  }
}

Result<std::unique_ptr<ZmqTransport>> ZmqTransport::Create(PeerId self,
                                                           const std::string& bind_endpoint,
                                                           std::optional<ZmqCurveOptions> curve) {
  if (curve) {
    if (!CurveAvailable()) {
      return Status(StatusCode::kUnavailable,
                    "zmq: this libzmq has no CURVE support (zmq_has(\"curve\") is false)");
    }
    RETURN_IF_ERROR(CheckCurveKey(curve->keys.public_key, "zmq: own public key"));
    RETURN_IF_ERROR(CheckCurveKey(curve->keys.secret_key, "zmq: own secret key"));
  }
  try {
    auto impl = std::make_unique<Impl>();
    impl->self = self;
    impl->router.set(zmq::sockopt::linger, 0);
    // A peer that reconnects (after Disconnect, or restarted after a crash) takes
    // its routing id over from its old connection, which the router may not have
    // seen close yet; without handover the new connection would be ignored.
    impl->router.set(zmq::sockopt::router_handover, true);
    if (curve) {
      impl->router.set(zmq::sockopt::curve_server, true);
      impl->router.set(zmq::sockopt::curve_secretkey, curve->keys.secret_key);
      impl->router.set(zmq::sockopt::zap_domain, "distcnn");
      // A held handshake waits for SealPeers(), however long the deployment takes.
      if (curve->hold_unknown_until_sealed) impl->router.set(zmq::sockopt::handshake_ivl, 0);
      ASSIGN_OR_RETURN(
          impl->authenticator,
          ZapAuthenticator::Start(impl->context, impl->router, curve->hold_unknown_until_sealed,
                                  curve->on_refused));
      impl->curve = std::move(curve);
    }
    impl->router.bind(bind_endpoint);
    impl->endpoint = impl->router.get(zmq::sockopt::last_endpoint);
    return std::unique_ptr<ZmqTransport>(new ZmqTransport(std::move(impl)));
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "bind " + bind_endpoint);
  }
}

const std::string& ZmqTransport::endpoint() const { return impl_->endpoint; }
PeerId ZmqTransport::self() const { return impl_->self; }

Status ZmqTransport::SetSelf(PeerId self) {
  std::lock_guard lock(impl_->send_mutex);
  if (!impl_->dealers.empty() && impl_->self != self) {
    return InvalidArgument("zmq: cannot change the unit index after connecting to a peer");
  }
  impl_->self = self;
  return Status::Ok();
}
void ZmqTransport::LingerOnClose(std::chrono::milliseconds linger) {
  std::lock_guard lock(impl_->send_mutex);
  impl_->linger_ms = static_cast<int>(linger.count());
  for (auto& [peer, dealer] : impl_->dealers) dealer.set(zmq::sockopt::linger, impl_->linger_ms);
}

uint64_t ZmqTransport::rejected_messages() const { return impl_->decoder.rejected(); }

bool ZmqTransport::curve() const { return impl_->curve.has_value(); }

uint64_t ZmqTransport::refused_peers() const {
  return impl_->authenticator ? impl_->authenticator->refused() : 0;
}

Status ZmqTransport::TrustPeer(PeerId peer, const std::string& public_key) {
  if (!impl_->curve) return InvalidArgument("zmq: peer keys need CURVE on this endpoint");
  RETURN_IF_ERROR(CheckCurveKey(public_key, "zmq: key of peer " + std::to_string(peer)));
  std::lock_guard lock(impl_->send_mutex);
  impl_->peer_keys[peer] = public_key;
  impl_->authenticator->Allow(peer, public_key);
  return Status::Ok();
}

void ZmqTransport::SealPeers() {
  if (impl_->authenticator) impl_->authenticator->Seal();
}

Status ZmqTransport::Connect(PeerId peer, const std::string& endpoint) {
  std::lock_guard lock(impl_->send_mutex);
  if (auto it = impl_->dealer_endpoints.find(peer); it != impl_->dealer_endpoints.end()) {
    if (it->second == endpoint) return Status::Ok();  // the link stands
    return InvalidArgument("zmq: peer " + std::to_string(peer) + " is already connected at " +
                           it->second);
  }
  try {
    zmq::socket_t dealer(impl_->context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, impl_->linger_ms);
    dealer.set(zmq::sockopt::routing_id, RoutingId(impl_->self));
    if (impl_->curve) {
      auto key = impl_->peer_keys.find(peer);
      if (key == impl_->peer_keys.end()) {
        return InvalidArgument("zmq: no CURVE key for peer " + std::to_string(peer) + " at " +
                               endpoint);
      }
      dealer.set(zmq::sockopt::curve_serverkey, key->second);
      dealer.set(zmq::sockopt::curve_publickey, impl_->curve->keys.public_key);
      dealer.set(zmq::sockopt::curve_secretkey, impl_->curve->keys.secret_key);
    }
    dealer.connect(endpoint);
    impl_->dealers.emplace(peer, std::move(dealer));
    impl_->dealer_endpoints[peer] = endpoint;
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "connect to peer " + std::to_string(peer) + " at " + endpoint);
  }
}

Status ZmqTransport::Disconnect(PeerId peer) {
  std::lock_guard lock(impl_->send_mutex);
  auto it = impl_->dealers.find(peer);
  if (it == impl_->dealers.end()) {
    return Status(StatusCode::kNotFound,
                  "zmq: disconnect: peer " + std::to_string(peer) + " is not connected");
  }
  impl_->dealers.erase(it);  // zmq_close never fails on a valid socket
  impl_->dealer_endpoints.erase(peer);
  return Status::Ok();
}

Status ZmqTransport::Send(PeerId peer, Message message) {
  ASSIGN_OR_RETURN(HeaderBytes header, EncodeHeader(message.header));
  if (message.payload.size() != message.header.payload_bytes) {
    return InvalidArgument("send: payload is " + std::to_string(message.payload.size()) +
                           " bytes, header says " + std::to_string(message.header.payload_bytes));
  }
  std::lock_guard lock(impl_->send_mutex);
  auto it = impl_->dealers.find(peer);
  if (it == impl_->dealers.end()) {
    return Status(StatusCode::kNotFound, "send: unknown peer " + std::to_string(peer));
  }
  try {
    zmq::message_t header_frame(header.data(), header.size());
    zmq::message_t payload_frame;
    if (!message.payload.empty()) {
      // Zero-copy: ZeroMQ owns the vector until the frame is on the wire.
      auto* owned = new std::vector<std::byte>(std::move(message.payload));
      payload_frame = zmq::message_t(owned->data(), owned->size(), &FreePayload, owned);
    }
    if (!it->second.send(header_frame, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return Status(StatusCode::kUnavailable,
                    "send: queue to peer " + std::to_string(peer) + " is full");
    }
    // Once the first part is queued the second is accepted atomically with it.
    (void)it->second.send(payload_frame, zmq::send_flags::none);
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "send to peer " + std::to_string(peer));
  }
}

Result<Envelope> ZmqTransport::Receive(Clock::time_point deadline) {
  std::lock_guard lock(impl_->recv_mutex);
  try {
    std::vector<zmq::message_t> parts;
    while (true) {
      // zmq_poll waits whole milliseconds; the last one passes in short sleeps
      // between polls, so a deadline (an emulated arrival) is not overshot by up to 1 ms.
      const auto remaining = deadline - Clock::now();
      const auto whole_ms = std::chrono::floor<std::chrono::milliseconds>(remaining);
      zmq::pollitem_t item{impl_->router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::max(whole_ms, std::chrono::milliseconds(0)));
      if (item.revents & ZMQ_POLLIN) {
        if (zmq::recv_multipart(impl_->router, std::back_inserter(parts),
                                zmq::recv_flags::dontwait)) {
          break;
        }
      }
      if (Clock::now() >= deadline) return DeadlineExceeded();
      if (whole_ms.count() <= 0) {
        std::this_thread::sleep_for(std::min<Clock::duration>(remaining, kLastMillisecondStep));
      }
    }
    const std::string from_id = parts[0].to_string();
    if (!from_id.empty() && from_id[0] == '\0') {
      // Router handover renames the replaced connection: what it still held has no sender.
      impl_->decoder.CountRejected();
      return InvalidArgument("receive: a message left on a connection its peer has since replaced");
    }
    if (parts.size() != 3 || from_id.size() != 3 || from_id[0] != 'u') {
      impl_->decoder.CountRejected();
      return InvalidArgument("receive: expected frames [routing id, header, payload], got " +
                             std::to_string(parts.size()) + " frames");
    }
    const PeerId from = static_cast<PeerId>(static_cast<uint8_t>(from_id[1]) |
                                            (static_cast<uint8_t>(from_id[2]) << 8));
    if (impl_->curve) {
      // The routing id is the sender's claim; its CURVE key (the User-Id the
      // authenticator gave the connection) is the proof.
      const char* user = zmq_msg_gets(parts[1].handle(), "User-Id");
      if (user == nullptr || std::to_string(from) != user) {
        impl_->decoder.CountRejected();
        return InvalidArgument("receive: a message claiming to be peer " + std::to_string(from) +
                               " on a connection authenticated as " +
                               (user ? "peer " + std::string(user) : std::string("nobody")));
      }
    }
    auto as_span = [](const zmq::message_t& m) {
      return std::span<const std::byte>(static_cast<const std::byte*>(m.data()), m.size());
    };
    auto message = impl_->decoder.Decode(as_span(parts[1]), as_span(parts[2]));
    if (!message.ok()) {
      return message.status().WithContext("receive from peer " + std::to_string(from));
    }
    return Envelope{from, std::move(message).value()};
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "receive");
  }
}

}  // namespace distcnn::transport
