// In-process transport: the test twin of the ZeroMQ adapter. An InprocNetwork owns
// one queue per attached peer; Send encodes the header exactly as on the wire and
// Receive decodes it, so both transports exercise the same codec and validation.
// Every attached peer is reachable without Connect (the endpoint is ignored);
// Disconnect makes one unreachable from that transport until it connects again.
// Thread-safe; the network must outlive the transports it attaches.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "distcnn/transport/transport.h"

namespace distcnn::transport {

class InprocNetwork {
 public:
  // Creates the endpoint of unit `self`. InvalidArgument if it is already attached.
  Result<std::unique_ptr<Transport>> Attach(PeerId self);

  // Whether unit `peer` has been attached.
  bool attached(PeerId peer) const;

  // Delivers raw frames to `to` as if `from` had sent them (tests of rejection).
  // NotFound if `to` is not attached.
  Status InjectRaw(PeerId to, PeerId from, std::vector<std::byte> header_frame,
                   std::vector<std::byte> payload_frame);

  struct Packet {
    PeerId from = 0;
    std::vector<std::byte> header_frame;
    std::vector<std::byte> payload_frame;
  };
  struct Mailbox {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Packet> packets;
  };

 private:
  std::shared_ptr<Mailbox> Find(PeerId peer);

  mutable std::mutex mutex_;
  std::map<PeerId, std::shared_ptr<Mailbox>> mailboxes_;
};

}  // namespace distcnn::transport
