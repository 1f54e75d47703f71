// FaultTransport: a Transport decorator that injects link faults (drop, duplicate,
// delay, corrupt, partition) so failover can be tested deterministically on the
// in-process transport (issue 14, item 3). Faults act on what this endpoint
// receives, so they do not depend on sender threads. Determinism rule: every
// decision is a pure function of (seed, from peer, that link's received-message
// index, fault); no random state is shared across links. Thread-safe; the inner
// transport is not owned and must outlive the decorator.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "distcnn/transport/transport.h"

namespace distcnn::transport {

// Faults for the messages of one link and kind. Probabilities are in [0, 1].
struct FaultRule {
  std::optional<PeerId> from = std::nullopt;       // the sending peer; none (default): every link
  std::optional<MessageKind> kind = std::nullopt;  // none (default): every kind
  double drop = 0;                                 // the message vanishes
  double duplicate = 0;                            // the message is delivered twice
  double delay = 0;                                // the message is held for delay_duration
  Clock::duration delay_duration{0};               // how long a delayed message is held (default 0)
  // One header or payload byte is flipped; the message is decoded again, so a
  // header the decoder rejects comes out of Receive as InvalidArgument.
  double corrupt = 0;
};

struct FaultPlan {
  uint64_t seed = 1;  // of every decision (default 1)
  // A received message obeys the first rule matching its link and kind; none: untouched.
  std::vector<FaultRule> rules;
};

// What the decorator did so far (each message counted once per fault applied).
struct FaultCounters {
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t delayed = 0;
  uint64_t corrupted = 0;
  uint64_t partitioned = 0;  // received or sent messages lost to a partition
};

class FaultTransport final : public Transport {
 public:
  FaultTransport(Transport* inner, FaultPlan plan);

  // Cuts the links to and from `peers` (replacing any earlier partition):
  // messages received from them are dropped, sends to them return Ok and vanish.
  void Partition(std::set<PeerId> peers);
  // Restores every link cut by Partition.
  void Heal();

  FaultCounters counters() const;

  PeerId self() const override { return inner_->self(); }
  Status Connect(PeerId peer, const std::string& endpoint) override {
    return inner_->Connect(peer, endpoint);
  }
  Status Disconnect(PeerId peer) override { return inner_->Disconnect(peer); }
  // Forwards to the inner transport unless `peer` is partitioned: then Ok, and
  // the message (if its header is valid) is lost.
  Status Send(PeerId peer, Message message) override;
  // The inner transport's Receive with the plan's faults applied; a held (delayed
  // or duplicated) message is returned once due, in due-time order, and the
  // deadline is honoured. Errors: those of the inner transport, and
  // InvalidArgument for a corrupted message the decoder rejects. Concurrent
  // calls are served one at a time.
  Result<Envelope> Receive(Clock::time_point deadline) override;
  // The inner transport's rejections plus corrupted messages rejected here.
  uint64_t rejected_messages() const override;
  uint64_t refused_peers() const override { return inner_->refused_peers(); }

 private:
  const FaultRule* RuleFor(PeerId from, MessageKind kind) const;
  bool IsPartitioned(PeerId peer) const;
  // Applies the plan to a message just received from the inner transport: puts
  // it (and a duplicate) into held_, or nowhere, or returns the decoder's
  // rejection of its corrupted form.
  Status Admit(Envelope envelope, Clock::time_point now);
  // Flips one byte of `envelope` (the `index`-th message of its link) and decodes
  // it again, as a real receiver would.
  Status Corrupt(Envelope& envelope, uint64_t index);

  Transport* inner_;
  const FaultPlan plan_;

  mutable std::mutex partition_mutex_;
  std::set<PeerId> partitioned_;  // guarded by partition_mutex_

  std::mutex receive_mutex_;                         // serialises Receive
  std::map<PeerId, uint64_t> received_per_link_;     // guarded by receive_mutex_
  std::multimap<Clock::time_point, Envelope> held_;  // by due time; ties: arrival order
  MessageDecoder corrupt_decoder_;

  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> duplicated_{0};
  std::atomic<uint64_t> delayed_{0};
  std::atomic<uint64_t> corrupted_{0};
  std::atomic<uint64_t> partitioned_messages_{0};
};

}  // namespace distcnn::transport
