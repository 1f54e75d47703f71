#include "distcnn/runtime/frame_window.h"

namespace distcnn::runtime {

FrameWindow::FrameWindow(size_t cnns, int in_flight)
    : sinks_(cnns, ReorderBuffer<char>(0, static_cast<size_t>(in_flight))),
      capacity_(static_cast<uint64_t>(in_flight)) {}

bool FrameWindow::MaySend(size_t c, uint64_t frame) const {
  return frame - sinks_[c].next() < capacity_;
}

void FrameWindow::Sent(size_t c, uint64_t frame, transport::Message message,
                       Clock::time_point now) {
  in_flight_[{c, frame}] = InFlight{now, now, std::move(message)};
}

FrameWindow::Arrival FrameWindow::Decided(size_t c, uint64_t frame, Clock::time_point now,
                                          double* latency_s) {
  std::vector<std::pair<uint64_t, char>> released;
  switch (sinks_[c].Add(frame, 0, &released)) {
    case ReorderBuffer<char>::Outcome::kDuplicate:
      return resent_.count({c, frame}) ? Arrival::kResentCopy : Arrival::kNetworkCopy;
    case ReorderBuffer<char>::Outcome::kOverflow:
      return Arrival::kOverflow;
    case ReorderBuffer<char>::Outcome::kAccepted:
      break;
  }
  auto it = in_flight_.find({c, frame});
  if (it != in_flight_.end()) {
    *latency_s = std::chrono::duration<double>(now - it->second.first_sent).count();
    in_flight_.erase(it);
  }
  return Arrival::kFirst;
}

void FrameWindow::CheckTimeouts(Clock::time_point now,
                                const std::function<Clock::duration(size_t)>& timeout, int resends,
                                const std::function<void(Key, const InFlight&)>& send,
                                std::vector<Key>* resent, std::vector<Key>* lost) {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (now - it->second.last_sent <= timeout(it->first.first)) {
      ++it;
    } else if (it->second.sends <= resends) {
      it->second.last_sent = now;
      ++it->second.sends;
      resent_.insert(it->first);
      send(it->first, it->second);
      resent->push_back(it->first);
      ++it;
    } else {
      lost->push_back(it->first);
      it = in_flight_.erase(it);
    }
  }
}

int FrameWindow::ResendAll(Clock::time_point now,
                           const std::function<void(Key, const InFlight&)>& send) {
  for (auto& [key, frame] : in_flight_) {
    frame.last_sent = now;
    resent_.insert(key);
    send(key, frame);
  }
  return static_cast<int>(in_flight_.size());
}

std::vector<uint64_t> FrameWindow::Drop(size_t c) {
  std::vector<uint64_t> dropped;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->first.first == c) {
      dropped.push_back(it->first.second);
      it = in_flight_.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

}  // namespace distcnn::runtime
