#include "ml/logistic.h"

#include <gtest/gtest.h>

#include "ml/test_data.h"

namespace aiotops::ml {
namespace {

using testing::make_linear_data;

TEST(LogisticTest, RecoversTheGeneratingCoefficients) {
  const std::vector<double> w{1.2, -0.8, 0.3};
  const auto data = make_linear_data(100000, w, -0.5, false, 21);
  auto model = train_logistic(data.x, data.labels, data.weights, {.c = 1e6, .newton = {}});
  ASSERT_TRUE(model.has_value()) << model.error().message();
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_NEAR((*model)->function().weights(static_cast<Eigen::Index>(i)), w[i], 0.05);
  }
  EXPECT_NEAR((*model)->function().bias, -0.5, 0.05);
}

TEST(LogisticTest, SmallerCShrinksTheWeights) {
  const auto data = make_linear_data(2000, {1.0, 1.0}, 0.0, false, 22);
  auto loose = train_logistic(data.x, data.labels, data.weights, {.c = 10, .newton = {}});
  auto tight = train_logistic(data.x, data.labels, data.weights, {.c = 1e-3, .newton = {}});
  ASSERT_TRUE(loose.has_value() && tight.has_value());
  EXPECT_LT((*tight)->function().weights.norm(), 0.5 * (*loose)->function().weights.norm());
}

TEST(LogisticTest, ScoresAreTheSigmoidOfTheLinearFunction) {
  LogisticRegression model(LinearFunction{.weights = Vector::Constant(2, 0.5), .bias = -1.0});
  const std::vector<double> row{1.0, 3.0};
  EXPECT_DOUBLE_EQ(model.predict_proba(row), 1.0 / (1.0 + std::exp(-1.0)));
  EXPECT_EQ(model.parameter_count(), 3u);
  EXPECT_EQ(model.macs(), 2u);
  // Extreme inputs saturate without overflow.
  const std::vector<double> huge{1e308, 1e308};
  EXPECT_EQ(model.predict_proba(huge), 1.0);
}

TEST(LogisticTest, RejectsNonPositiveC) {
  const auto data = make_linear_data(20, {1.0}, 0.0, false, 23);
  auto model = train_logistic(data.x, data.labels, data.weights, {.c = 0, .newton = {}});
  ASSERT_FALSE(model.has_value());
  EXPECT_NE(model.error().message().find("C must be > 0"), std::string::npos);
}

TEST(LogisticTest, CorruptParametersNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"bias": 0})", "parameters.weights"},
      {R"({"weights": [], "bias": 0})", "parameters.weights"},
      {R"({"weights": [1, "x"], "bias": 0})", "parameters.weights[1]"},
      {R"({"weights": [1, 2]})", "parameters.bias"},
      {R"({"weights": [1, 2], "bias": "0"})", "parameters.bias"},
  };
  for (const auto& [text, field] : cases) {
    auto loaded = logistic_from_json(nlohmann::json::parse(text));
    ASSERT_FALSE(loaded.has_value()) << text;
    EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt) << text;
    EXPECT_NE(loaded.error().message().find(std::string("'") + field + "'"), std::string::npos)
        << text << " -> " << loaded.error().message();
  }
}

}  // namespace
}  // namespace aiotops::ml
