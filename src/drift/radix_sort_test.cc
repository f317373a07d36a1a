#include "drift/radix_sort.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "drift/drift_test_data.h"

namespace aiotops::drift {
namespace {

TEST(RadixSortTest, AgreesWithStdSortOnLargeSamplesWithTiesAndSigns) {
  for (size_t n : {size_t{10}, size_t{1023}, size_t{1024}, size_t{50000}}) {
    for (int decimals : {-1, 0, 2}) {
      std::vector<double> values = testing::normal_sample(n, n + decimals, 0, 100, decimals);
      if (n > 100) {
        values[3] = std::numeric_limits<double>::max();
        values[4] = std::numeric_limits<double>::lowest();
        values[5] = std::numeric_limits<double>::denorm_min();
        values[6] = -std::numeric_limits<double>::denorm_min();
        values[7] = 0.0;
      }
      std::vector<double> expected = values;
      std::sort(expected.begin(), expected.end());
      sort_values(values);
      EXPECT_EQ(values, expected) << n << " values, " << decimals << " decimals";
    }
  }
}

TEST(RadixSortTest, ConstantAndEmptyInputs) {
  std::vector<double> constant(5000, -2.5);
  sort_values(constant);
  EXPECT_EQ(constant, std::vector<double>(5000, -2.5));
  std::vector<double> empty;
  sort_values(empty);
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace aiotops::drift
