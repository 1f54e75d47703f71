#include "distcnn/transport/fault/fault_transport.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace distcnn::transport {
namespace {

// Distinct inputs of the decision hash, so one message's faults are independent.
enum class Fault : uint64_t { kDrop = 1, kDuplicate, kDelay, kCorrupt, kCorruptedByte };

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The determinism rule: a pure function of (seed, link, index on the link, fault).
uint64_t DecisionHash(uint64_t seed, PeerId from, uint64_t index, Fault fault) {
  uint64_t h = SplitMix64(seed);
  h = SplitMix64(h ^ from);
  h = SplitMix64(h ^ index);
  return SplitMix64(h ^ static_cast<uint64_t>(fault));
}

bool Happens(double probability, uint64_t seed, PeerId from, uint64_t index, Fault fault) {
  const double uniform =
      static_cast<double>(DecisionHash(seed, from, index, fault) >> 11) * 0x1.0p-53;  // [0, 1)
  return uniform < probability;
}

bool IsProbability(double p) { return std::isfinite(p) && p >= 0 && p <= 1; }

}  // namespace

FaultTransport::FaultTransport(Transport* inner, FaultPlan plan)
    : inner_(inner), plan_(std::move(plan)) {
  DISTCNN_CHECK(inner_ != nullptr);
  // A plan is written by a test: a value out of range is a bug in it.
  for (const FaultRule& rule : plan_.rules) {
    DISTCNN_CHECK(IsProbability(rule.drop) && IsProbability(rule.duplicate) &&
                  IsProbability(rule.delay) && IsProbability(rule.corrupt));
    DISTCNN_CHECK(rule.delay_duration >= Clock::duration::zero());
  }
}

void FaultTransport::Partition(std::set<PeerId> peers) {
  std::lock_guard lock(partition_mutex_);
  partitioned_ = std::move(peers);
}

void FaultTransport::Heal() {
  std::lock_guard lock(partition_mutex_);
  partitioned_.clear();
}

bool FaultTransport::IsPartitioned(PeerId peer) const {
  std::lock_guard lock(partition_mutex_);
  return partitioned_.count(peer) > 0;
}

FaultCounters FaultTransport::counters() const {
  FaultCounters c;
  c.dropped = dropped_.load();
  c.duplicated = duplicated_.load();
  c.delayed = delayed_.load();
  c.corrupted = corrupted_.load();
  c.partitioned = partitioned_messages_.load();
  return c;
}

uint64_t FaultTransport::rejected_messages() const {
  return inner_->rejected_messages() + corrupt_decoder_.rejected();
}

Status FaultTransport::Send(PeerId peer, Message message) {
  if (IsPartitioned(peer)) {
    // Still refuse what no transport would send, so a partition hides no bug.
    RETURN_IF_ERROR(ValidateHeader(message.header).WithContext("send"));
    ++partitioned_messages_;
    return Status::Ok();
  }
  return inner_->Send(peer, std::move(message));
}

const FaultRule* FaultTransport::RuleFor(PeerId from, MessageKind kind) const {
  for (const FaultRule& rule : plan_.rules) {
    if ((!rule.from || *rule.from == from) && (!rule.kind || *rule.kind == kind)) return &rule;
  }
  return nullptr;
}

Result<Envelope> FaultTransport::Receive(Clock::time_point deadline) {
  std::lock_guard lock(receive_mutex_);
  while (true) {
    const Clock::time_point now = Clock::now();
    while (!held_.empty() && held_.begin()->first <= now) {
      Envelope envelope = std::move(held_.extract(held_.begin()).mapped());
      // Still in flight when the link was cut: lost with it.
      if (IsPartitioned(envelope.from)) {
        ++partitioned_messages_;
        continue;
      }
      return envelope;
    }
    // Wake up for the next held message if it is due before the caller's deadline.
    // The inner transport is asked even past the deadline: what it already has is
    // returned, as without the decorator.
    const Clock::time_point wait_until =
        held_.empty() ? deadline : std::min(deadline, held_.begin()->first);
    Result<Envelope> received = inner_->Receive(wait_until);
    if (received.ok()) {
      RETURN_IF_ERROR(Admit(std::move(received).value(), Clock::now()));
      continue;
    }
    if (!IsDeadlineExceeded(received.status())) return received.status();
    if (held_.empty() || held_.begin()->first > deadline) return DeadlineExceeded();
  }
}

Status FaultTransport::Admit(Envelope envelope, Clock::time_point now) {
  const PeerId from = envelope.from;
  // Every message the inner transport delivers takes an index, faulted or not,
  // so a link's decisions do not depend on when a partition started.
  const uint64_t index = received_per_link_[from]++;
  if (IsPartitioned(from)) {
    ++partitioned_messages_;
    return Status::Ok();
  }
  Clock::time_point due = now;
  if (const FaultRule* rule = RuleFor(from, envelope.message.header.kind)) {
    const uint64_t seed = plan_.seed;
    if (Happens(rule->drop, seed, from, index, Fault::kDrop)) {
      ++dropped_;
      return Status::Ok();
    }
    if (Happens(rule->corrupt, seed, from, index, Fault::kCorrupt)) {
      ++corrupted_;
      RETURN_IF_ERROR(Corrupt(envelope, index));
    }
    if (Happens(rule->delay, seed, from, index, Fault::kDelay)) {
      ++delayed_;
      due = now + rule->delay_duration;
    }
    if (Happens(rule->duplicate, seed, from, index, Fault::kDuplicate)) {
      ++duplicated_;
      held_.emplace(due, envelope);
    }
  }
  held_.emplace(due, std::move(envelope));
  return Status::Ok();
}

Status FaultTransport::Corrupt(Envelope& envelope, uint64_t index) {
  // The inner transport decoded this header, so it encodes again.
  Result<HeaderBytes> header = EncodeHeader(envelope.message.header);
  DISTCNN_CHECK(header.ok());
  std::vector<std::byte> header_frame(header->begin(), header->end());
  std::vector<std::byte>& payload = envelope.message.payload;

  const uint64_t h = DecisionHash(plan_.seed, envelope.from, index, Fault::kCorruptedByte);
  const uint64_t position = h % (header_frame.size() + payload.size());
  const auto flip = static_cast<std::byte>(1 + (h >> 32) % 255);  // never zero
  if (position < header_frame.size()) {
    header_frame[position] ^= flip;
  } else {
    payload[position - header_frame.size()] ^= flip;
  }

  Result<Message> decoded = corrupt_decoder_.Decode(header_frame, payload);
  if (!decoded.ok()) {
    return decoded.status().WithContext("receive from peer " + std::to_string(envelope.from));
  }
  envelope.message = std::move(decoded).value();
  return Status::Ok();
}

}  // namespace distcnn::transport
