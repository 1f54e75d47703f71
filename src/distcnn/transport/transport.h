// Transport: sends and receives wire-format messages between nodes, addressed by
// unit index (PeerId). Implementations: inproc/ (queues, the test twin) and zmq/.
// Every received message has passed DecodeMessage; malformed ones are rejected,
// counted, and reported as an error from Receive. Implementations are thread-safe:
// Send and Receive may be called concurrently from different threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "distcnn/base/status.h"
#include "distcnn/transport/wire_format.h"

namespace distcnn::transport {

using PeerId = uint16_t;  // unit index, the same numbering as Header::route
using Clock = std::chrono::steady_clock;

// A steady-clock time as nanoseconds since the clock's epoch (shared by the
// processes of one host): the form stamps take in statistics and on the wire.
inline int64_t SteadyNs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline Clock::time_point FromSteadyNs(int64_t ns) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

struct Envelope {
  PeerId from = 0;
  Message message;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // This endpoint's unit index.
  virtual PeerId self() const = 0;

  // Makes `peer` reachable at `endpoint` (ZeroMQ: opens the sending socket;
  // in-process: nothing to do, the endpoint is ignored). Connecting again to
  // the same endpoint keeps the link (a node redeployed with the same peers);
  // InvalidArgument if `peer` is connected elsewhere, IoError if the endpoint
  // is refused.
  virtual Status Connect(PeerId peer, const std::string& endpoint) = 0;

  // Forgets `peer` (ZeroMQ: closes its sending socket; what is still queued to it
  // is dropped unless the adapter lingers): Send to it is refused with NotFound
  // until a later Connect, perhaps at a new endpoint (a restarted node).
  // NotFound if `peer` is not connected.
  virtual Status Disconnect(PeerId peer) = 0;

  // Queues `message` for `peer`; takes the payload by value so adapters can hand it
  // over without copying. NotFound for an unknown peer, InvalidArgument for an
  // invalid header, Unavailable / IoError if the medium fails.
  virtual Status Send(PeerId peer, Message message) = 0;

  // Waits until a message arrives or `deadline` passes. Unavailable "deadline
  // exceeded" on timeout; InvalidArgument (with the decode error) for a malformed
  // message, which is consumed and counted in rejected_messages().
  virtual Result<Envelope> Receive(Clock::time_point deadline) = 0;

  // Messages received and rejected by the decoder so far.
  virtual uint64_t rejected_messages() const = 0;

  // Peers refused before any message (authentication, docs/security.md) so far.
  virtual uint64_t refused_peers() const { return 0; }
};

inline Status DeadlineExceeded() {
  return Status(StatusCode::kUnavailable, "receive: deadline exceeded");
}

// True for the status Receive returns on timeout (and nothing else).
inline bool IsDeadlineExceeded(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         status.message() == DeadlineExceeded().message();
}

}  // namespace distcnn::transport
