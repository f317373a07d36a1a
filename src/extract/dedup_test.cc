#include "extract/dedup.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace aiotops::extract {
namespace {

using telemetry::Dataset;

void add(Dataset& d, std::string device, int64_t t, double value, double label) {
  d.features.push_back(value);
  d.device_ids.push_back(std::move(device));
  d.timestamps_ms.push_back(t);
  d.labels.push_back(label);
}

TEST(DedupTest, SortsByDeviceThenTimeAndKeepsTheFirstOfRepeats) {
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  Dataset d;
  d.feature_names = {"a"};
  add(d, "m2", 5, 1, 0);
  add(d, "m1", 9, 2, 0);
  add(d, "m1", 3, 3, unknown);
  add(d, "m1", 9, 2, 0);        // the same reading again
  add(d, "m1", 3, 3, unknown);  // unknown labels are equal
  add(d, "m2", 5, 7, 0);        // a conflict: another value at the same time
  add(d, "m1", 9, 2, 1);        // a conflict: another label
  const DedupReport report = sort_and_deduplicate(d);
  EXPECT_EQ(d.device_ids, (std::vector<std::string>{"m1", "m1", "m2"}));
  EXPECT_EQ(d.timestamps_ms, (std::vector<int64_t>{3, 9, 5}));
  EXPECT_EQ(d.features, (std::vector<double>{3, 2, 1}));
  EXPECT_TRUE(std::isnan(d.labels[0]));
  EXPECT_EQ(d.labels[1], 0);
  EXPECT_EQ(report.duplicates, 4u);
  EXPECT_EQ(report.conflicts, 2u);
  ASSERT_EQ(report.conflict_examples.size(), 2u);
  EXPECT_EQ(report.conflict_examples[0],
            "device m1 at 9 (1970-01-01T00:00:00.009Z): label 0 vs 1; the first kept");
  EXPECT_EQ(report.conflict_examples[1],
            "device m2 at 5 (1970-01-01T00:00:00.005Z): a 1 vs 7; the first kept");
}

TEST(DedupTest, ExamplesAreCapped) {
  Dataset d;
  d.feature_names = {"a"};
  for (int i = 0; i < 10; ++i) {
    add(d, "m", i, 0, 0);
    add(d, "m", i, 1, 0);
  }
  const DedupReport report = sort_and_deduplicate(d, 3);
  EXPECT_EQ(d.rows(), 10u);
  EXPECT_EQ(report.conflicts, 10u);
  EXPECT_EQ(report.conflict_examples.size(), 3u);
}

}  // namespace
}  // namespace aiotops::extract
