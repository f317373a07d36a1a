#include "ml/linear_svm.h"

#include <gtest/gtest.h>

#include "ml/test_data.h"

namespace aiotops::ml {
namespace {

using testing::make_linear_data;

TEST(LinearSvmTest, ProbabilityRisesWithTheDecisionValue) {
  const auto data = make_linear_data(3000, {1.0, -1.0}, 0.2, false, 31);
  auto model = train_linear_svm(data.x, data.labels, data.weights);
  ASSERT_TRUE(model.has_value()) << model.error().message();
  EXPECT_GT((*model)->platt().a, 0);
  // The separating direction is found (up to scale).
  const Vector& w = (*model)->function().weights;
  EXPECT_GT(w(0), 0);
  EXPECT_LT(w(1), 0);
  EXPECT_NEAR(w(0) / -w(1), 1.0, 0.15);
}

TEST(LinearSvmTest, PlattScalingIsCalibratedOnItsOwnData) {
  // Decision values whose true P(1) is sigmoid(2 f - 1): Platt recovers a = 2, c = -1.
  const auto data = make_linear_data(50000, {2.0}, -1.0, false, 32);
  const Vector f = data.x.col(0);
  auto platt = fit_platt(f, data.labels, data.weights);
  ASSERT_TRUE(platt.has_value()) << platt.error().message();
  EXPECT_NEAR(platt->a, 2.0, 0.08);
  EXPECT_NEAR(platt->c, -1.0, 0.05);
}

TEST(LinearSvmTest, PlattTargetsAreSmoothedOnSeparableScores) {
  // Perfectly separated decision values still give finite parameters (soft targets).
  Vector f(4);
  f << -2, -1, 1, 2;
  const std::vector<double> labels{0, 0, 1, 1}, weights(4, 1.0);
  auto platt = fit_platt(f, labels, weights);
  ASSERT_TRUE(platt.has_value()) << platt.error().message();
  EXPECT_TRUE(std::isfinite(platt->a));
  EXPECT_GT(platt->a, 0);
  // Targets are 3/4 and 1/4: at f = +-1.5 the fit is near them.
  EXPECT_LT(sigmoid(platt->a * 2 + platt->c), 0.95);
}

TEST(LinearSvmTest, CorruptParametersNameTheField) {
  auto loaded =
      linear_svm_from_json(nlohmann::json::parse(R"({"weights": [1], "bias": 0, "platt_a": 1})"));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(loaded.error().message().find("'parameters.platt_c'"), std::string::npos);
}

}  // namespace
}  // namespace aiotops::ml
