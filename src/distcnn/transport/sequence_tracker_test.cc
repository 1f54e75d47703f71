#include "distcnn/transport/sequence_tracker.h"

#include <gtest/gtest.h>

namespace distcnn::transport {
namespace {

TEST(SequenceTracker, InOrderHasNoGapsOrDuplicates) {
  SequenceTracker t;
  for (uint64_t id = 0; id < 100; ++id) EXPECT_EQ(t.Observe(id), SequenceTracker::Outcome::kNew);
  EXPECT_EQ(t.received(), 100u);
  EXPECT_EQ(t.duplicates(), 0u);
  EXPECT_TRUE(t.Missing(100).empty());
  EXPECT_EQ(t.missing_count(100), 0u);
}

TEST(SequenceTracker, ReportsGapsAndReorderingFillsThem) {
  SequenceTracker t;
  for (uint64_t id : {0, 1, 4, 2, 7}) (void)t.Observe(id);
  EXPECT_EQ(t.Missing(), (std::vector<uint64_t>{3, 5, 6}));
  (void)t.Observe(3);
  EXPECT_EQ(t.Missing(), (std::vector<uint64_t>{5, 6}));
  // Frames expected but never sent at the tail count as missing too.
  EXPECT_EQ(t.Missing(10), (std::vector<uint64_t>{5, 6, 8, 9}));
  EXPECT_EQ(t.missing_count(10), 4u);
  EXPECT_EQ(t.Missing(10, 2), (std::vector<uint64_t>{5, 6}));
}

TEST(SequenceTracker, ReportsDuplicatesBelowAndAboveWatermark) {
  SequenceTracker t;
  for (uint64_t id : {0, 1, 2, 1, 9, 9, 0}) (void)t.Observe(id);
  EXPECT_EQ(t.duplicates(), 3u);
  EXPECT_EQ(t.duplicated_ids(), (std::vector<uint64_t>{1, 9, 0}));
  EXPECT_EQ(t.received(), 4u);
  EXPECT_EQ(t.missing_count(), 6u);  // 3..8
}

TEST(SequenceTracker, HugeJumpIsCountedWithoutEnumerating) {
  SequenceTracker t;
  (void)t.Observe(uint64_t{1} << 40);
  EXPECT_EQ(t.missing_count(), uint64_t{1} << 40);
  EXPECT_EQ(t.Missing(0, 3), (std::vector<uint64_t>{0, 1, 2}));
}

}  // namespace
}  // namespace distcnn::transport
