#include "ml/parallel.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

namespace aiotops::ml {
namespace {

TEST(ParallelTest, EveryRowIsVisitedOnceInFixedChunks) {
  const size_t rows = 3 * kChunkRows + 17;
  ASSERT_EQ(chunk_count(rows), 4u);
  std::vector<std::atomic<int>> visits(rows);
  std::vector<std::pair<size_t, size_t>> ranges(4);
  for_each_chunk(rows, [&](size_t worker, size_t chunk, size_t begin, size_t end) {
    EXPECT_LT(worker, worker_count(4));
    ranges[chunk] = {begin, end};
    for (size_t r = begin; r < end; ++r) visits[r].fetch_add(1);
  });
  for (size_t r = 0; r < rows; ++r) ASSERT_EQ(visits[r].load(), 1) << "row " << r;
  EXPECT_EQ(ranges[0], std::make_pair(size_t{0}, kChunkRows));
  EXPECT_EQ(ranges[3], std::make_pair(3 * kChunkRows, rows));
}

TEST(ParallelTest, SmallInputsRunOnTheCallingThread) {
  EXPECT_EQ(worker_count(1), 1u);
  EXPECT_EQ(worker_count(0), 1u);
  size_t calls = 0;
  for_each_chunk(10, [&](size_t worker, size_t chunk, size_t begin, size_t end) {
    EXPECT_EQ(worker, 0u);
    EXPECT_EQ(chunk, 0u);
    EXPECT_EQ(begin, 0u);
    EXPECT_EQ(end, 10u);
    ++calls;
  });
  EXPECT_EQ(calls, 1u);
  for_each_chunk(0, [&](size_t, size_t, size_t, size_t) { ++calls; });
  EXPECT_EQ(calls, 1u);
}

}  // namespace
}  // namespace aiotops::ml
