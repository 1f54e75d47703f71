// ZeroMQ transport (cppzmq). Each node binds one ROUTER socket to receive and opens
// one DEALER per peer it sends to; a DEALER's routing id names the sending unit, so
// the receiver knows who sent each message. A message is sent as a two-frame
// multipart (header, payload); the payload buffer is handed to ZeroMQ without a copy.
// zmq::error_t never leaves this module: it becomes IoError/Unavailable. Thread-safe
// (one mutex for the sending sockets, one for the receiving socket).
// With CURVE (docs/security.md) every link is encrypted and authenticated: the
// receiving socket accepts only the public keys given to TrustPeer, each as the
// peer it names, and a message whose routing id claims another unit is rejected.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "distcnn/transport/transport.h"
#include "distcnn/transport/zmq/curve_keys.h"

namespace distcnn::transport {

// CURVE for one endpoint: its key pair and how it treats unknown keys.
struct ZmqCurveOptions {
  CurveKeyPair keys;  // this endpoint's own
  // Until SealPeers(), the handshake of a key not yet trusted waits instead of
  // being refused (a node daemon learns its neighbours' keys from its
  // deployment, and they may connect first). Default false: refused at once.
  bool hold_unknown_until_sealed = false;
  // Called on the authenticator's thread with one line per refused peer
  // ("refused a peer at 127.0.0.1: CURVE key ... is not in the deployment").
  std::function<void(const std::string&)> on_refused;
};

class ZmqTransport final : public Transport {
 public:
  // Binds the receiving socket of unit `self` to `bind_endpoint` (default: loopback,
  // ephemeral port; see endpoint() for the resolved address). With `curve`, every
  // link of this endpoint uses CURVE (Unavailable if libzmq lacks it). IoError if
  // binding fails.
  static Result<std::unique_ptr<ZmqTransport>> Create(
      PeerId self, const std::string& bind_endpoint = "tcp://127.0.0.1:*",
      std::optional<ZmqCurveOptions> curve = std::nullopt);
  ~ZmqTransport() override;

  // The resolved endpoint others connect to, e.g. "tcp://127.0.0.1:43117".
  const std::string& endpoint() const;

  // Opens the sending socket to `peer` at `endpoint`. InvalidArgument if `peer` is
  // already connected or, with CURVE, has no trusted key; IoError if ZeroMQ
  // refuses the endpoint. Again to the same endpoint: Ok, the link stands.
  Status Connect(PeerId peer, const std::string& endpoint) override;
  // Closes the sending socket to `peer` (queued messages are dropped unless
  // LingerOnClose was called before); its CURVE key stays trusted.
  // NotFound if `peer` is not connected.
  Status Disconnect(PeerId peer) override;

  // CURVE: `peer` holds the secret of `public_key` (Z85). Clients presenting it
  // are accepted as `peer`, and Connect(peer) expects it of the server.
  // InvalidArgument without CURVE or for a malformed key.
  Status TrustPeer(PeerId peer, const std::string& public_key);
  // CURVE: every peer is trusted now; ends ZmqCurveOptions::hold_unknown_until_sealed.
  void SealPeers();
  bool curve() const;
  // Connections refused so far: keys outside TrustPeer's, no key, a wrong key.
  uint64_t refused_peers() const override;

  // Sets this endpoint's unit index: a node daemon learns it from its
  // deployment, after binding. InvalidArgument once a peer is connected.
  Status SetSelf(PeerId self);

  // Lets messages queued to a peer leave for up to `linger` when its socket
  // closes (Disconnect, or this transport's end), for sockets open now and
  // later (default 0: dropped, so that a dead peer never holds up shutdown).
  // A daemon's last message of a deployment needs it.
  void LingerOnClose(std::chrono::milliseconds linger);

  PeerId self() const override;
  // Unavailable if the peer's send queue is full (high-water mark).
  Status Send(PeerId peer, Message message) override;
  Result<Envelope> Receive(Clock::time_point deadline) override;
  uint64_t rejected_messages() const override;

 private:
  struct Impl;
  explicit ZmqTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace distcnn::transport
