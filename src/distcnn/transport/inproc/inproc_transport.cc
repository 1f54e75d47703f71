#include "distcnn/transport/inproc/inproc_transport.h"

#include <set>
#include <string>

namespace distcnn::transport {

class InprocTransport final : public Transport {
 public:
  InprocTransport(InprocNetwork* network, PeerId self, std::shared_ptr<InprocNetwork::Mailbox> box)
      : network_(network), self_(self), box_(std::move(box)) {}

  PeerId self() const override { return self_; }
  // Every attached peer is reachable without Connect; Connect only undoes a Disconnect.
  Status Connect(PeerId peer, const std::string& /*endpoint*/) override {
    std::lock_guard lock(peers_mutex_);
    disconnected_.erase(peer);
    return Status::Ok();
  }

  Status Disconnect(PeerId peer) override {
    std::lock_guard lock(peers_mutex_);
    if (!network_->attached(peer) || disconnected_.count(peer)) {
      return Status(StatusCode::kNotFound,
                    "disconnect: peer " + std::to_string(peer) + " is not connected");
    }
    disconnected_.insert(peer);
    return Status::Ok();
  }

  Status Send(PeerId peer, Message message) override {
    {
      std::lock_guard lock(peers_mutex_);
      if (disconnected_.count(peer)) {
        return Status(StatusCode::kNotFound, "send: unknown peer " + std::to_string(peer));
      }
    }
    ASSIGN_OR_RETURN(HeaderBytes header, EncodeHeader(message.header));
    if (message.payload.size() != message.header.payload_bytes) {
      return InvalidArgument("send: payload is " + std::to_string(message.payload.size()) +
                             " bytes, header says " + std::to_string(message.header.payload_bytes));
    }
    return network_->InjectRaw(peer, self_, {header.begin(), header.end()},
                               std::move(message.payload));
  }

  Result<Envelope> Receive(Clock::time_point deadline) override {
    InprocNetwork::Packet packet;
    {
      std::unique_lock lock(box_->mutex);
      if (!box_->ready.wait_until(lock, deadline, [&] { return !box_->packets.empty(); })) {
        return DeadlineExceeded();
      }
      packet = std::move(box_->packets.front());
      box_->packets.pop_front();
    }
    auto message = decoder_.Decode(packet.header_frame, packet.payload_frame);
    if (!message.ok()) {
      return message.status().WithContext("receive from peer " + std::to_string(packet.from));
    }
    return Envelope{packet.from, std::move(message).value()};
  }

  uint64_t rejected_messages() const override { return decoder_.rejected(); }

 private:
  InprocNetwork* network_;
  PeerId self_;
  std::shared_ptr<InprocNetwork::Mailbox> box_;
  MessageDecoder decoder_;
  std::mutex peers_mutex_;
  std::set<PeerId> disconnected_;  // guarded by peers_mutex_
};

Result<std::unique_ptr<Transport>> InprocNetwork::Attach(PeerId self) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = mailboxes_.emplace(self, std::make_shared<Mailbox>());
  if (!inserted) {
    return InvalidArgument("inproc: peer " + std::to_string(self) + " is already attached");
  }
  return std::unique_ptr<Transport>(std::make_unique<InprocTransport>(this, self, it->second));
}

bool InprocNetwork::attached(PeerId peer) const {
  std::lock_guard lock(mutex_);
  return mailboxes_.count(peer) > 0;
}

std::shared_ptr<InprocNetwork::Mailbox> InprocNetwork::Find(PeerId peer) {
  std::lock_guard lock(mutex_);
  auto it = mailboxes_.find(peer);
  return it == mailboxes_.end() ? nullptr : it->second;
}

Status InprocNetwork::InjectRaw(PeerId to, PeerId from, std::vector<std::byte> header_frame,
                                std::vector<std::byte> payload_frame) {
  std::shared_ptr<Mailbox> box = Find(to);
  if (!box) return Status(StatusCode::kNotFound, "send: unknown peer " + std::to_string(to));
  {
    std::lock_guard lock(box->mutex);
    box->packets.push_back({from, std::move(header_frame), std::move(payload_frame)});
  }
  box->ready.notify_one();
  return Status::Ok();
}

}  // namespace distcnn::transport
