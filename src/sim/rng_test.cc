#include "sim/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <set>

namespace aiotops::sim {
namespace {

TEST(Rng, UniformIsTheTop53BitsOfTheStandardEngine) {
  std::mt19937_64 engine(42);
  Rng rng(42);
  for (int i = 0; i < 100; ++i) {
    double expected = static_cast<double>(engine() >> 11) * 0x1.0p-53;
    EXPECT_EQ(rng.uniform(), expected);
  }
}

TEST(Rng, NormalIsBoxMullerInPairs) {
  std::mt19937_64 engine(7);
  Rng rng(7);
  for (int i = 0; i < 50; ++i) {
    double u1 = 1.0 - static_cast<double>(engine() >> 11) * 0x1.0p-53;
    double u2 = static_cast<double>(engine() >> 11) * 0x1.0p-53;
    double radius = std::sqrt(-2.0 * std::log(u1));
    double angle = 2.0 * std::numbers::pi * u2;
    EXPECT_EQ(rng.normal(), radius * std::cos(angle));
    EXPECT_EQ(rng.normal(), radius * std::sin(angle));
  }
}

TEST(Rng, DistributionsHaveTheirMoments) {
  Rng rng(1);
  constexpr int kDraws = 200000;
  double sum = 0, sum_sq = 0, exp_sum = 0, uni_min = 1, uni_max = 0;
  for (int i = 0; i < kDraws; ++i) {
    double z = rng.normal();
    sum += z;
    sum_sq += z * z;
    exp_sum += rng.exponential(4.0);
    double u = rng.uniform();
    uni_min = std::min(uni_min, u);
    uni_max = std::max(uni_max, u);
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / kDraws, 1.0, 0.01);
  EXPECT_NEAR(exp_sum / kDraws, 0.25, 0.005);
  EXPECT_GE(uni_min, 0.0);
  EXPECT_LT(uni_max, 1.0);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng rng(3);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint64_t v = rng.below(6);
    ASSERT_LT(v, 6u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 6u);
}

TEST(DeriveSeed, StreamsAndIndicesGiveDistinctSeeds) {
  std::set<uint64_t> seeds;
  for (uint64_t stream = 0; stream < 4; ++stream) {
    for (uint64_t index = 0; index < 100; ++index) seeds.insert(derive_seed(9, stream, index));
  }
  EXPECT_EQ(seeds.size(), 400u);
  EXPECT_EQ(derive_seed(9, 1, 2), derive_seed(9, 1, 2));
  EXPECT_NE(derive_seed(9, 1, 2), derive_seed(10, 1, 2));
}

}  // namespace
}  // namespace aiotops::sim
