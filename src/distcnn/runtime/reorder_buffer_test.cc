#include "distcnn/runtime/reorder_buffer.h"

#include <gtest/gtest.h>

#include <random>

namespace distcnn::runtime {
namespace {

using Released = std::vector<std::pair<uint64_t, int>>;

TEST(ReorderBuffer, HandsFramesOnInOrder) {
  ReorderBuffer<int> buffer(5, 4);
  Released out;
  EXPECT_EQ(buffer.Add(6, 60, &out), ReorderBuffer<int>::Outcome::kAccepted);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(buffer.Add(5, 50, &out), ReorderBuffer<int>::Outcome::kAccepted);
  EXPECT_EQ(out, (Released{{5, 50}, {6, 60}}));
  EXPECT_EQ(buffer.next(), 7u);
  EXPECT_EQ(buffer.peak(), 1u);
}

TEST(ReorderBuffer, DropsDuplicatesBeforeAndAfterRelease) {
  ReorderBuffer<int> buffer(0, 4);
  Released out;
  buffer.Add(1, 1, &out);
  EXPECT_EQ(buffer.Add(1, 1, &out), ReorderBuffer<int>::Outcome::kDuplicate);  // waiting
  buffer.Add(0, 0, &out);
  EXPECT_EQ(buffer.Add(0, 0, &out), ReorderBuffer<int>::Outcome::kDuplicate);  // handed on
  EXPECT_EQ(out, (Released{{0, 0}, {1, 1}}));
  EXPECT_EQ(buffer.duplicates(), 2u);
}

TEST(ReorderBuffer, RefusesFramesBeyondItsCapacity) {
  ReorderBuffer<int> buffer(0, 2);
  Released out;
  EXPECT_EQ(buffer.Add(1, 1, &out), ReorderBuffer<int>::Outcome::kAccepted);
  EXPECT_EQ(buffer.Add(2, 2, &out), ReorderBuffer<int>::Outcome::kAccepted);
  EXPECT_EQ(buffer.Add(3, 3, &out), ReorderBuffer<int>::Outcome::kOverflow);
  // The frame due is always taken: it frees the buffer.
  EXPECT_EQ(buffer.Add(0, 0, &out), ReorderBuffer<int>::Outcome::kAccepted);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(buffer.waiting(), 0u);
}

// A failover's pattern: a window of frames in flight, each delivered once
// or twice (the re-sent copy), shuffled within the window.
TEST(ReorderBuffer, EveryFrameOnceUnderShuffledRedelivery) {
  std::mt19937 rng(7);
  const int frames = 2000;
  const int window = 8;
  std::vector<uint64_t> arrivals;
  for (int base = 0; base < frames; base += window) {
    std::vector<uint64_t> batch;
    for (int f = base; f < base + window; ++f) {
      batch.push_back(f);
      if (rng() % 3 == 0) batch.push_back(f);
    }
    std::shuffle(batch.begin(), batch.end(), rng);
    arrivals.insert(arrivals.end(), batch.begin(), batch.end());
  }
  ReorderBuffer<int> buffer(0, window);
  Released out;
  for (uint64_t f : arrivals) {
    ASSERT_NE(buffer.Add(f, static_cast<int>(f), &out), ReorderBuffer<int>::Outcome::kOverflow);
  }
  ASSERT_EQ(out.size(), static_cast<size_t>(frames));
  for (int f = 0; f < frames; ++f) EXPECT_EQ(out[f].first, static_cast<uint64_t>(f));
  EXPECT_EQ(buffer.duplicates(), arrivals.size() - frames);
}

}  // namespace
}  // namespace distcnn::runtime
