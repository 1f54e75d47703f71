// FrameWindow: the frames of a run between the source and the sink, which the
// coordinator plays (docs/runtime.md, "Failover"). The source keeps each frame
// until its decision arrives, so it can send it again after a frame timeout
// (a message lost on a link) or a failover; the sink hands decisions on once
// and in frame order through a bounded reorder buffer. The window runs from
// the frame the sink hands on next, so frames in flight plus frames waiting
// for an earlier one never exceed `in_flight`, the buffer's capacity.
// Not thread-safe; the coordinator's thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "distcnn/runtime/reorder_buffer.h"
#include "distcnn/transport/wire_format.h"

namespace distcnn::runtime {

class FrameWindow {
 public:
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<size_t, uint64_t>;  // (CNN, frame)

  struct InFlight {
    Clock::time_point first_sent;  // latencies count from here
    Clock::time_point last_sent;   // the frame timeout counts from here
    transport::Message message;    // kept for sending again
    int sends = 1;
  };

  enum class Arrival {
    kFirst,        // handed on (now or once the earlier frames are in)
    kResentCopy,   // the other copy of a frame sent again: dropped
    kNetworkCopy,  // a copy the network made: dropped
    kOverflow,     // beyond the reorder buffer: a bug in the window, reported
  };

  FrameWindow(size_t cnns, int in_flight);

  // True when frame `frame` of CNN `c` may be sent now.
  bool MaySend(size_t c, uint64_t frame) const;
  void Sent(size_t c, uint64_t frame, transport::Message message, Clock::time_point now);

  // A decision for frame `frame` of CNN `c` arrived at `now`. kFirst: its
  // latency (from the first send) goes to `latency_s`, unless the frame was
  // never sent.
  Arrival Decided(size_t c, uint64_t frame, Clock::time_point now, double* latency_s);

  // Frames whose decision has not come `timeout(c)` after their last send:
  // those sent fewer than 1 + `resends` times are sent again through `send`
  // (and returned in `resent`), the others are dropped from the window and
  // returned in `lost`.
  void CheckTimeouts(Clock::time_point now, const std::function<Clock::duration(size_t)>& timeout,
                     int resends, const std::function<void(Key, const InFlight&)>& send,
                     std::vector<Key>* resent, std::vector<Key>* lost);

  // Forgets CNN `c`'s frames in flight (its source or sink is gone); returns
  // their ids.
  std::vector<uint64_t> Drop(size_t c);

  // After a failover: every frame in flight is sent again through `send`;
  // returns how many.
  int ResendAll(Clock::time_point now, const std::function<void(Key, const InFlight&)>& send);

  const std::map<Key, InFlight>& in_flight() const { return in_flight_; }
  uint64_t handed_on(size_t c) const { return sinks_[c].next(); }  // warm-up frames too
  size_t reorder_peak(size_t c) const { return sinks_[c].peak(); }

 private:
  std::map<Key, InFlight> in_flight_;
  std::set<Key> resent_;                    // sent more than once: a second decision is expected
  std::vector<ReorderBuffer<char>> sinks_;  // per CNN
  uint64_t capacity_;
};

}  // namespace distcnn::runtime
