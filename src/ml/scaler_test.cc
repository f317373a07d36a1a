#include "ml/scaler.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace aiotops::ml {
namespace {

const std::vector<std::string> kNames{"current", "temperature"};

TEST(ScalerTest, StandardizesWithPopulationStatistics) {
  Matrix x(4, 2);
  x << 1, 10, 2, 20, 3, 30, 4, 40;
  auto scaler = Scaler::fit(x, kNames);
  ASSERT_TRUE(scaler.has_value()) << scaler.error().message();
  EXPECT_DOUBLE_EQ(scaler->mean()(0), 2.5);
  EXPECT_DOUBLE_EQ(scaler->mean()(1), 25);
  EXPECT_DOUBLE_EQ(scaler->scale()(0), std::sqrt(1.25));
  const Matrix z = scaler->transform(x);
  EXPECT_NEAR(z.col(0).mean(), 0.0, 1e-15);
  EXPECT_NEAR(z.col(1).squaredNorm() / 4, 1.0, 1e-12);
  std::vector<double> row{4, 40}, out(2);
  scaler->transform_row(row, out);
  EXPECT_DOUBLE_EQ(out[0], z(3, 0));
  EXPECT_DOUBLE_EQ(out[1], z(3, 1));
}

TEST(ScalerTest, ConstantFeatureIsNamed) {
  Matrix x(3, 2);
  x << 1, 7, 2, 7, 3, 7;
  auto scaler = Scaler::fit(x, kNames);
  ASSERT_FALSE(scaler.has_value());
  EXPECT_EQ(scaler.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(scaler.error().message(), "feature 'temperature' is constant in the training data");
}

TEST(ScalerTest, NonFiniteFeatureIsNamedWithItsRow) {
  Matrix x(3, 2);
  x << 1, 7, std::numeric_limits<double>::quiet_NaN(), 8, 3, 9;
  auto scaler = Scaler::fit(x, kNames);
  ASSERT_FALSE(scaler.has_value());
  EXPECT_EQ(scaler.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(scaler.error().message().find("'current'"), std::string::npos);
  EXPECT_NE(scaler.error().message().find("row 2"), std::string::npos);
}

TEST(ScalerTest, JsonRoundTripAndCorruption) {
  Matrix x(2, 2);
  x << 1, 10, 3, 50;
  auto scaler = Scaler::fit(x, kNames);
  ASSERT_TRUE(scaler.has_value());
  auto loaded = Scaler::from_json(nlohmann::json::parse(scaler->to_json().dump()), 2);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->mean(), scaler->mean());
  EXPECT_EQ(loaded->scale(), scaler->scale());

  auto wrong_size = Scaler::from_json(scaler->to_json(), 3);
  ASSERT_FALSE(wrong_size.has_value());
  EXPECT_EQ(wrong_size.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(wrong_size.error().message().find("'scaler.mean'"), std::string::npos);
  auto zero = Scaler::from_json(nlohmann::json::parse(R"({"mean": [0], "scale": [0]})"), 1);
  ASSERT_FALSE(zero.has_value());
  EXPECT_NE(zero.error().message().find("'scaler.scale[0]'"), std::string::npos);
}

}  // namespace
}  // namespace aiotops::ml
