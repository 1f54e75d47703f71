// ZeroMQ transport (cppzmq). Each node binds one ROUTER socket to receive and opens
// one DEALER per peer it sends to; a DEALER's routing id names the sending unit, so
// the receiver knows who sent each message. A message is sent as a two-frame
// multipart (header, payload); the payload buffer is handed to ZeroMQ without a copy.
// zmq::error_t never leaves this module: it becomes IoError/Unavailable. Thread-safe
// (one mutex for the sending sockets, one for the receiving socket).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "distcnn/transport/transport.h"

namespace distcnn::transport {

class ZmqTransport final : public Transport {
 public:
  // Binds the receiving socket of unit `self` to `bind_endpoint` (default: loopback,
  // ephemeral port; see endpoint() for the resolved address). IoError if binding fails.
  static Result<std::unique_ptr<ZmqTransport>> Create(
      PeerId self, const std::string& bind_endpoint = "tcp://127.0.0.1:*");
  ~ZmqTransport() override;

  // The resolved endpoint others connect to, e.g. "tcp://127.0.0.1:43117".
  const std::string& endpoint() const;

  // Opens the sending socket to `peer` at `endpoint`. InvalidArgument if `peer` is
  // already connected, IoError if ZeroMQ refuses the endpoint.
  Status Connect(PeerId peer, const std::string& endpoint) override;

  // Sets this endpoint's unit index: a node daemon learns it from its
  // deployment, after binding. InvalidArgument once a peer is connected.
  Status SetSelf(PeerId self);

  // Lets messages already queued to peers leave for up to `linger` when this
  // transport is destroyed (default 0: dropped, so that a dead peer never
  // holds up shutdown). A daemon's last message needs it.
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
