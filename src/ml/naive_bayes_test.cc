#include "ml/naive_bayes.h"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

namespace aiotops::ml {
namespace {

double gaussian_log(double x, double mean, double var) {
  return -0.5 * std::log(2 * std::numbers::pi * var) - (x - mean) * (x - mean) / (2 * var);
}

TEST(NaiveBayesTest, MatchesHandComputedParameters) {
  // Class 0: {0, 2} (mean 1, var 1); class 1: {4, 6, 8} (mean 6, var 8/3).
  // All rows: var 8, so the smoothing adds 1e-9 * 8.
  Matrix x(5, 1);
  x << 0, 2, 4, 6, 8;
  const std::vector<double> labels{0, 0, 1, 1, 1}, weights(5, 1.0);
  auto model = train_naive_bayes(x, labels, weights);
  ASSERT_TRUE(model.has_value()) << model.error().message();
  const GaussianClasses& c = (*model)->classes();
  EXPECT_DOUBLE_EQ(c.prior[0], 0.4);
  EXPECT_DOUBLE_EQ(c.prior[1], 0.6);
  EXPECT_NEAR(c.mean[0](0), 1.0, 1e-12);
  EXPECT_NEAR(c.mean[1](0), 6.0, 1e-12);
  EXPECT_NEAR(c.variance[0](0), 1.0 + 8e-9, 1e-12);
  EXPECT_NEAR(c.variance[1](0), 8.0 / 3 + 8e-9, 1e-12);

  const double at = 3.0;
  const double j0 = std::log(0.4) + gaussian_log(at, 1.0, 1.0 + 8e-9);
  const double j1 = std::log(0.6) + gaussian_log(at, 6.0, 8.0 / 3 + 8e-9);
  const std::vector<double> row{at};
  EXPECT_NEAR((*model)->predict_proba(row), 1.0 / (1.0 + std::exp(j0 - j1)), 1e-12);
}

TEST(NaiveBayesTest, WeightsCountLikeRepeatedRows) {
  Matrix x(4, 2);
  x << 1, 5, 2, 3, 7, 1, 9, 2;
  const std::vector<double> labels{0, 0, 1, 1};
  const std::vector<double> weights{3, 1, 1, 2};
  Matrix repeated(7, 2);
  repeated << 1, 5, 1, 5, 1, 5, 2, 3, 7, 1, 9, 2, 9, 2;
  const std::vector<double> repeated_labels{0, 0, 0, 0, 1, 1, 1}, ones(7, 1.0);
  auto weighted = train_naive_bayes(x, labels, weights, {.var_smoothing = 0});
  auto expanded = train_naive_bayes(repeated, repeated_labels, ones, {.var_smoothing = 0});
  ASSERT_TRUE(weighted.has_value() && expanded.has_value());
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR((*weighted)->classes().prior[c], (*expanded)->classes().prior[c], 1e-12);
    EXPECT_LT(((*weighted)->classes().mean[c] - (*expanded)->classes().mean[c]).norm(), 1e-12);
    EXPECT_LT(((*weighted)->classes().variance[c] - (*expanded)->classes().variance[c]).norm(),
              1e-12);
  }
}

TEST(NaiveBayesTest, ManyRowsMatchTheDirectFormulas) {
  // More rows than one chunk (ml/parallel.h), seven features (the run-time-width sweep).
  const Eigen::Index rows = 150000, d = 7;
  Matrix x = Matrix::Random(rows, d).array() * 3.0 + 100.0;
  std::vector<double> labels(rows), weights(rows);
  for (Eigen::Index r = 0; r < rows; ++r) {
    labels[r] = x(r, 0) + x(r, 1) > 200.5 ? 1 : 0;
    weights[r] = 1 + (r % 3);
  }
  auto model = train_naive_bayes(x, labels, weights, {.var_smoothing = 0});
  ASSERT_TRUE(model.has_value()) << model.error().message();
  for (int c = 0; c < 2; ++c) {
    Vector sum = Vector::Zero(d);
    double total = 0;
    for (Eigen::Index r = 0; r < rows; ++r) {
      if (labels[r] != c) continue;
      sum += weights[r] * x.row(r).transpose();
      total += weights[r];
    }
    const Vector mean = sum / total;
    Vector variance = Vector::Zero(d);
    for (Eigen::Index r = 0; r < rows; ++r) {
      if (labels[r] == c) variance += weights[r] * (x.row(r).transpose() - mean).cwiseAbs2();
    }
    variance /= total;
    EXPECT_LT(((*model)->classes().mean[c] - mean).cwiseAbs().maxCoeff(), 1e-9);
    EXPECT_LT(((*model)->classes().variance[c] - variance).cwiseAbs().maxCoeff(), 1e-9);
  }
}

TEST(NaiveBayesTest, RejectsAClassWithoutRows) {
  Matrix x(3, 1);
  x << 1, 2, 3;
  const std::vector<double> labels{0, 0, 0}, weights(3, 1.0);
  auto model = train_naive_bayes(x, labels, weights);
  ASSERT_FALSE(model.has_value());
  EXPECT_NE(model.error().message().find("class 1"), std::string::npos);
}

TEST(NaiveBayesTest, CorruptParametersNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"mean": [[0], [1]], "variance": [[1], [1]]})", "parameters.class_prior"},
      {R"({"class_prior": [0.5], "mean": [[0], [1]], "variance": [[1], [1]]})",
       "parameters.class_prior"},
      {R"({"class_prior": [0.5, 0.5], "mean": [[0]], "variance": [[1], [1]]})", "parameters.mean"},
      {R"({"class_prior": [0.5, 0.5], "mean": [[0], [1, 2]], "variance": [[1], [1]]})",
       "parameters.mean[1]"},
      {R"({"class_prior": [0.5, 0.5], "mean": [[0], [1]], "variance": [[1], [0]]})",
       "parameters.variance[1]"},
      {R"({"class_prior": [0.5, 0.5], "mean": [[0], [1]], "variance": [[1, 1], [1, 1]]})",
       "parameters.variance[0]"},
  };
  for (const auto& [text, field] : cases) {
    auto loaded = naive_bayes_from_json(nlohmann::json::parse(text));
    ASSERT_FALSE(loaded.has_value()) << text;
    EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt) << text;
    EXPECT_NE(loaded.error().message().find(std::string("'") + field), std::string::npos)
        << text << " -> " << loaded.error().message();
  }
}

}  // namespace
}  // namespace aiotops::ml
