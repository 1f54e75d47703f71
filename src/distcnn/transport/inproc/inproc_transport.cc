#include "distcnn/transport/inproc/inproc_transport.h"

#include <string>

namespace distcnn::transport {

class InprocTransport final : public Transport {
 public:
  InprocTransport(InprocNetwork* network, PeerId self, std::shared_ptr<InprocNetwork::Mailbox> box)
      : network_(network), self_(self), box_(std::move(box)) {}

  PeerId self() const override { return self_; }
  Status Connect(PeerId /*peer*/, const std::string& /*endpoint*/) override { return Status::Ok(); }

  Status Send(PeerId peer, Message message) override {
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
};

Result<std::unique_ptr<Transport>> InprocNetwork::Attach(PeerId self) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = mailboxes_.emplace(self, std::make_shared<Mailbox>());
  if (!inserted) {
    return InvalidArgument("inproc: peer " + std::to_string(self) + " is already attached");
  }
  return std::unique_ptr<Transport>(std::make_unique<InprocTransport>(this, self, it->second));
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
