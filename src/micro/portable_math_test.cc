#include "micro/portable_math.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

namespace aiotops::micro {
namespace {

// Distance in representable floats between two finite, non-negative floats.
int64_t ulp_distance(float a, float b) {
  int32_t ia = 0;
  int32_t ib = 0;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  return std::abs(static_cast<int64_t>(ia) - static_cast<int64_t>(ib));
}

TEST(PortableExpf, WithinOneUlpOfTheDoubleExpOverTheNormalRange) {
  int64_t worst = 0;
  // ~200k points across [-87, 88], where results are normal floats.
  for (float x = -87.0f; x < 88.0f; x += 0.00087f) {
    const float expected = static_cast<float>(std::exp(static_cast<double>(x)));
    worst = std::max(worst, ulp_distance(portable_expf(x), expected));
  }
  EXPECT_LE(worst, 1);
}

TEST(PortableExpf, ExactAtZeroAndSmallArguments) {
  EXPECT_EQ(portable_expf(0.0f), 1.0f);
  EXPECT_EQ(portable_expf(-0.0f), 1.0f);
  EXPECT_EQ(portable_expf(1e-10f), 1.0f);
  EXPECT_LE(ulp_distance(portable_expf(1.0f), static_cast<float>(std::exp(1.0))), 1);
}

TEST(PortableExpf, OverflowUnderflowAndNan) {
  EXPECT_EQ(portable_expf(88.8f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(portable_expf(89.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(portable_expf(std::numeric_limits<float>::infinity()),
            std::numeric_limits<float>::infinity());
  EXPECT_EQ(portable_expf(-105.0f), 0.0f);
  EXPECT_EQ(portable_expf(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_TRUE(std::isnan(portable_expf(std::numeric_limits<float>::quiet_NaN())));
  // Largest finite result and a subnormal one.
  EXPECT_TRUE(std::isfinite(portable_expf(88.72283f)));
  const float tiny = portable_expf(-100.0f);
  EXPECT_GT(tiny, 0.0f);
  EXPECT_LT(tiny, std::numeric_limits<float>::min());
  EXPECT_NEAR(tiny / static_cast<float>(std::exp(-100.0)), 1.0f, 1e-3f);
}

TEST(PortableLogistic, MatchesTheDoubleFormula) {
  for (float x = -40.0f; x <= 40.0f; x += 0.01f) {
    const double expected = 1.0 / (1.0 + std::exp(-static_cast<double>(x)));
    ASSERT_NEAR(portable_logistic(x), expected, 2e-7 * expected + 1e-30) << x;
  }
  EXPECT_EQ(portable_logistic(0.0f), 0.5f);
  EXPECT_EQ(portable_logistic(100.0f), 1.0f);
  EXPECT_EQ(portable_logistic(-100.0f), 0.0f);
}

TEST(RoundToInt32, TiesAwayFromZero) {
  EXPECT_EQ(round_to_int32(0.5f), 1);
  EXPECT_EQ(round_to_int32(-0.5f), -1);
  EXPECT_EQ(round_to_int32(1.5f), 2);
  EXPECT_EQ(round_to_int32(2.5f), 3);
  EXPECT_EQ(round_to_int32(-2.5f), -3);
  EXPECT_EQ(round_to_int32(0.49999997f), 0);
  EXPECT_EQ(round_to_int32(-0.49999997f), 0);
  EXPECT_EQ(round_to_int32(2.4999998f), 2);
  EXPECT_EQ(round_to_int32(8388609.0f), 8388609);
}

TEST(RoundToInt32, SaturatesAndMapsNanToZero) {
  EXPECT_EQ(round_to_int32(3e9f), INT32_MAX);
  EXPECT_EQ(round_to_int32(-3e9f), INT32_MIN);
  EXPECT_EQ(round_to_int32(2147483520.0f), 2147483520);
  EXPECT_EQ(round_to_int32(-2147483648.0f), INT32_MIN);
  EXPECT_EQ(round_to_int32(std::numeric_limits<float>::infinity()), INT32_MAX);
  EXPECT_EQ(round_to_int32(-std::numeric_limits<float>::infinity()), INT32_MIN);
  EXPECT_EQ(round_to_int32(std::numeric_limits<float>::quiet_NaN()), 0);
}

TEST(RoundToInt32, AgreesWithStdRound) {
  for (float x = -1000.0f; x <= 1000.0f; x += 0.125f) {
    ASSERT_EQ(round_to_int32(x), static_cast<int32_t>(std::round(x))) << x;
  }
}

}  // namespace
}  // namespace aiotops::micro
