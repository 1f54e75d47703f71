#include "distcnn/transport/sequence_tracker.h"

#include <algorithm>

namespace distcnn::transport {

SequenceTracker::Outcome SequenceTracker::Observe(uint64_t frame_id) {
  if (frame_id < watermark_ || !ahead_.insert(frame_id).second) {
    ++duplicates_;
    duplicated_ids_.push_back(frame_id);
    return Outcome::kDuplicate;
  }
  ++received_;
  while (!ahead_.empty() && *ahead_.begin() == watermark_) {
    ahead_.erase(ahead_.begin());
    ++watermark_;
  }
  return Outcome::kNew;
}

uint64_t SequenceTracker::End(uint64_t expected_count) const {
  const uint64_t seen_end = ahead_.empty() ? watermark_ : *ahead_.rbegin() + 1;
  return std::max(seen_end, expected_count);
}

uint64_t SequenceTracker::missing_count(uint64_t expected_count) const {
  return End(expected_count) - watermark_ - ahead_.size();
}

std::vector<uint64_t> SequenceTracker::Missing(uint64_t expected_count, size_t limit) const {
  std::vector<uint64_t> missing;
  const uint64_t end = End(expected_count);
  auto it = ahead_.begin();
  for (uint64_t id = watermark_; id < end && missing.size() < limit; ++id) {
    if (it != ahead_.end() && *it == id) {
      ++it;
    } else {
      missing.push_back(id);
    }
  }
  return missing;
}

}  // namespace distcnn::transport
