// SequenceTracker: detects missing and duplicated frame ids of one stream (frames
// numbered 0, 1, 2, ... by their source). Memory is bounded by the reordering
// window: ids below the contiguous watermark are forgotten. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

namespace distcnn::transport {

class SequenceTracker {
 public:
  enum class Outcome { kNew, kDuplicate };

  // Records `frame_id`; kDuplicate if it was already seen.
  Outcome Observe(uint64_t frame_id);

  // Ids never observed below `expected_count` (or below the highest id seen + 1 if
  // that is larger), in increasing order, at most `limit` of them.
  std::vector<uint64_t> Missing(uint64_t expected_count = 0, size_t limit = 1024) const;
  // Number of ids Missing() would report without a limit.
  uint64_t missing_count(uint64_t expected_count = 0) const;

  uint64_t received() const { return received_; }
  uint64_t duplicates() const { return duplicates_; }
  // The duplicated ids, in arrival order (each repeat listed once per repeat).
  const std::vector<uint64_t>& duplicated_ids() const { return duplicated_ids_; }

 private:
  uint64_t End(uint64_t expected_count) const;

  uint64_t watermark_ = 0;    // every id < watermark_ was seen
  std::set<uint64_t> ahead_;  // ids seen above the watermark
  uint64_t received_ = 0;     // distinct ids
  uint64_t duplicates_ = 0;
  std::vector<uint64_t> duplicated_ids_;
};

}  // namespace distcnn::transport
