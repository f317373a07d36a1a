#include "edge/deadband.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

Deadband deadband(std::vector<double> epsilon, size_t max_devices = 100) {
  auto d = Deadband::create({std::move(epsilon), max_devices});
  if (!d) {
    ADD_FAILURE() << d.error().message();
    std::abort();
  }
  return std::move(*d);
}

TEST(DeadbandTest, SkipsWhenEveryFeatureMovedLessThanEpsilon) {
  Deadband d = deadband({1.0});
  const std::vector<double> first{412.5, 36.6, 1235.9, 150.6};
  EXPECT_FALSE(d.skip("m", first, 1));  // nothing scored yet
  EXPECT_TRUE(d.skip("m", std::vector<double>{412.9, 36.1, 1235.0, 151.5}, 1));
  // One feature moved by exactly epsilon: not "less than", so scored.
  EXPECT_FALSE(d.skip("m", std::vector<double>{413.5, 36.6, 1235.9, 150.6}, 1));
  EXPECT_EQ(d.skipped(), 1u);
}

TEST(DeadbandTest, ComparesWithTheLastScoredReadingSoDriftAddsUp) {
  Deadband d = deadband({1.0});
  EXPECT_FALSE(d.skip("m", std::vector<double>{10.0}, 1));
  EXPECT_TRUE(d.skip("m", std::vector<double>{10.6}, 1));
  EXPECT_TRUE(d.skip("m", std::vector<double>{10.9}, 1));
  EXPECT_FALSE(d.skip("m", std::vector<double>{11.2}, 1));  // 1.2 from 10.0
  EXPECT_TRUE(d.skip("m", std::vector<double>{11.9}, 1));   // 0.7 from 11.2
  EXPECT_EQ(d.skipped(), 3u);
}

TEST(DeadbandTest, PerFeatureEpsilons) {
  Deadband d = deadband({1.0, 0.1});
  EXPECT_TRUE(d.fits(2));
  EXPECT_FALSE(d.fits(3));
  EXPECT_FALSE(d.skip("m", std::vector<double>{100.0, 36.0}, 1));
  EXPECT_TRUE(d.skip("m", std::vector<double>{100.9, 36.05}, 1));
  EXPECT_FALSE(d.skip("m", std::vector<double>{100.0, 36.2}, 1));
  // Rows the epsilons cannot judge are always scored.
  EXPECT_FALSE(d.skip("m", std::vector<double>{100.0, 36.2, 1.0}, 1));
  EXPECT_FALSE(d.skip("m", std::vector<double>{100.0, 36.2, 1.0}, 1));
}

TEST(DeadbandTest, ANewModelSetScoresEveryDeviceAgain) {
  Deadband d = deadband({5.0});
  EXPECT_FALSE(d.skip("m", std::vector<double>{1.0}, 1));
  EXPECT_TRUE(d.skip("m", std::vector<double>{1.0}, 1));
  EXPECT_FALSE(d.skip("m", std::vector<double>{1.0}, 2));
  EXPECT_TRUE(d.skip("m", std::vector<double>{1.0}, 2));
}

TEST(DeadbandTest, DevicesAreIndependentAndBounded) {
  Deadband d = deadband({5.0}, 2);
  EXPECT_FALSE(d.skip("a", std::vector<double>{1.0}, 1));
  EXPECT_FALSE(d.skip("b", std::vector<double>{1.0}, 1));
  EXPECT_TRUE(d.skip("a", std::vector<double>{1.0}, 1));
  EXPECT_FALSE(d.skip("c", std::vector<double>{1.0}, 1));  // evicts b
  EXPECT_EQ(d.evictions(), 1u);
  EXPECT_EQ(d.devices(), 2u);
  EXPECT_FALSE(d.skip("b", std::vector<double>{1.0}, 1));  // forgotten: scored
}

TEST(DeadbandTest, NaNIsNeverWithinTheBand) {
  Deadband d = deadband({5.0});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(d.skip("m", std::vector<double>{nan}, 1));
  EXPECT_FALSE(d.skip("m", std::vector<double>{nan}, 1));
}

TEST(DeadbandTest, DisabledScoresEverything) {
  Deadband d = deadband({});
  EXPECT_FALSE(d.enabled());
  EXPECT_FALSE(d.skip("m", std::vector<double>{1.0}, 1));
  EXPECT_FALSE(d.skip("m", std::vector<double>{1.0}, 1));
  EXPECT_EQ(d.devices(), 0u);
}

TEST(DeadbandTest, BadOptionsAndNoAllocationForKnownDevices) {
  EXPECT_FALSE(Deadband::create({{-1.0}, 10}));
  EXPECT_FALSE(Deadband::create({{std::numeric_limits<double>::infinity()}, 10}));
  EXPECT_FALSE(Deadband::create({{1.0}, 0}));
  Deadband d = deadband({0.5});
  const std::vector<double> a{1.0, 2.0, 3.0, 4.0};
  const std::vector<double> b{2.0, 2.0, 3.0, 4.0};
  d.skip("m", a, 1);
  const size_t before = aiotops::testing::allocation_count();
  for (int i = 0; i < 100; ++i) d.skip("m", i % 3 == 0 ? a : b, 1);
  EXPECT_EQ(aiotops::testing::allocation_count(), before);
  EXPECT_GT(d.skipped(), 0u);
}

}  // namespace
}  // namespace aiotops::edge
