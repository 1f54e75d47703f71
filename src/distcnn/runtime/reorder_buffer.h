// ReorderBuffer: the sink's side of failover (docs/runtime.md, "Failover").
// Decisions arrive out of order (frames overtake one another; after a failure
// the source re-sends the frames that were in flight, and the old copies may
// still arrive). The buffer hands each frame on exactly once and in frame
// order: a duplicate is dropped and counted, a frame ahead of the next one due
// waits. It holds at most `capacity` frames, which the source's in-flight
// window bounds; a frame beyond it is refused, never silently dropped.
// Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace distcnn::runtime {

template <typename T>
class ReorderBuffer {
 public:
  enum class Outcome { kAccepted, kDuplicate, kOverflow };

  // Frames are numbered from `first`, consecutively.
  ReorderBuffer(uint64_t first, size_t capacity) : next_(first), capacity_(capacity) {}

  // Takes frame `frame`; appends to `released` every frame now due, in order.
  Outcome Add(uint64_t frame, T value, std::vector<std::pair<uint64_t, T>>* released) {
    if (frame < next_ || waiting_.count(frame)) {
      ++duplicates_;
      return Outcome::kDuplicate;
    }
    if (frame != next_ && waiting_.size() >= capacity_) return Outcome::kOverflow;
    waiting_.emplace(frame, std::move(value));
    for (auto it = waiting_.begin(); it != waiting_.end() && it->first == next_;) {
      released->emplace_back(it->first, std::move(it->second));
      it = waiting_.erase(it);
      ++next_;
    }
    peak_ = std::max(peak_, waiting_.size());
    return Outcome::kAccepted;
  }

  uint64_t next() const { return next_; }  // the next frame due
  size_t waiting() const { return waiting_.size(); }
  size_t peak() const { return peak_; }  // most frames held at once
  uint64_t duplicates() const { return duplicates_; }

 private:
  uint64_t next_;
  size_t capacity_;
  std::map<uint64_t, T> waiting_;
  size_t peak_ = 0;
  uint64_t duplicates_ = 0;
};

}  // namespace distcnn::runtime
