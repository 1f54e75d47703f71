#include "distcnn/runtime/frame_window.h"

#include <gtest/gtest.h>

namespace distcnn::runtime {
namespace {

using Key = FrameWindow::Key;
using std::chrono::milliseconds;

transport::Message Frame(uint64_t id) {
  transport::Message m;
  m.header.frame_id = id;
  return m;
}

TEST(FrameWindow, TheWindowRunsFromTheFrameTheSinkHandsOnNext) {
  FrameWindow w(1, 2);
  const auto t0 = FrameWindow::Clock::now();
  EXPECT_TRUE(w.MaySend(0, 0));
  EXPECT_TRUE(w.MaySend(0, 1));
  EXPECT_FALSE(w.MaySend(0, 2));
  w.Sent(0, 0, Frame(0), t0);
  w.Sent(0, 1, Frame(1), t0);
  double latency = -1;
  // Frame 1 is decided first: it waits for frame 0, and the window stays shut.
  EXPECT_EQ(w.Decided(0, 1, t0 + milliseconds(5), &latency), FrameWindow::Arrival::kFirst);
  EXPECT_NEAR(latency, 0.005, 1e-9);
  EXPECT_FALSE(w.MaySend(0, 2));
  EXPECT_EQ(w.handed_on(0), 0u);
  EXPECT_EQ(w.Decided(0, 0, t0 + milliseconds(6), &latency), FrameWindow::Arrival::kFirst);
  EXPECT_EQ(w.handed_on(0), 2u);
  EXPECT_TRUE(w.MaySend(0, 3));
  EXPECT_EQ(w.reorder_peak(0), 1u);
}

TEST(FrameWindow, TimeoutsSendAgainThenLoseAndCopiesAreTold) {
  FrameWindow w(2, 4);
  const auto t0 = FrameWindow::Clock::now();
  w.Sent(1, 0, Frame(0), t0);
  std::vector<Key> sent_again;
  auto send = [&](Key k, const FrameWindow::InFlight&) { sent_again.push_back(k); };
  auto timeout = [](size_t) { return FrameWindow::Clock::duration(milliseconds(10)); };
  std::vector<Key> resent;
  std::vector<Key> lost;
  w.CheckTimeouts(t0 + milliseconds(5), timeout, 1, send, &resent, &lost);
  EXPECT_TRUE(resent.empty());
  w.CheckTimeouts(t0 + milliseconds(11), timeout, 1, send, &resent, &lost);
  EXPECT_EQ(resent, (std::vector<Key>{{1, 0}}));
  EXPECT_EQ(sent_again, (std::vector<Key>{{1, 0}}));
  w.CheckTimeouts(t0 + milliseconds(22), timeout, 1, send, &resent, &lost);
  EXPECT_EQ(lost, (std::vector<Key>{{1, 0}}));
  EXPECT_TRUE(w.in_flight().empty());
  // A frame sent again whose first copy comes late: the second copy is the
  // re-sent one; a frame sent once and decided twice was copied by the network.
  double latency = -1;
  w.Sent(0, 0, Frame(0), t0);
  EXPECT_EQ(w.ResendAll(t0, send), 1);
  EXPECT_EQ(w.Decided(0, 0, t0, &latency), FrameWindow::Arrival::kFirst);
  EXPECT_EQ(w.Decided(0, 0, t0, &latency), FrameWindow::Arrival::kResentCopy);
  w.Sent(0, 1, Frame(1), t0);
  EXPECT_EQ(w.Decided(0, 1, t0, &latency), FrameWindow::Arrival::kFirst);
  EXPECT_EQ(w.Decided(0, 1, t0, &latency), FrameWindow::Arrival::kNetworkCopy);
}

}  // namespace
}  // namespace distcnn::runtime
