#include "ml/linear_newton.h"

#include <cmath>

#include <gtest/gtest.h>

#include "ml/test_data.h"

namespace aiotops::ml {
namespace {

using testing::make_linear_data;

// Gradient of sum_i s_i loss(z_i, t_i) + l2/2 |w|^2, written out row by row, independently of
// the blocked solver; the bias is the last entry.
Vector reference_gradient(const Matrix& x, std::span<const double> t, std::span<const double> s,
                          LinearLoss loss, double l2, const LinearFit& fit) {
  Vector g = Vector::Zero(x.cols() + 1);
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const double z = x.row(r).dot(fit.weights) + fit.bias;
    const auto i = static_cast<size_t>(r);
    double dz = 0;
    if (loss == LinearLoss::kLogistic) {
      dz = 1.0 / (1.0 + std::exp(-z)) - t[i];
    } else {
      const double y = 2 * t[i] - 1;
      dz = y * z < 1 ? -2 * y * (1 - y * z) : 0.0;
    }
    g.head(x.cols()) += s[i] * dz * x.row(r).transpose();
    g(x.cols()) += s[i] * dz;
  }
  g.head(x.cols()) += l2 * fit.weights;
  return g;
}

class LinearNewtonTest : public ::testing::TestWithParam<LinearLoss> {};

TEST_P(LinearNewtonTest, ReachesAStationaryPoint) {
  auto data = make_linear_data(3000, {1.0, -2.0, 0.5}, 0.7, false, 11);
  for (size_t i = 0; i < data.weights.size(); i += 3) data.weights[i] = 2.5;
  auto fit = fit_linear_newton(data.x, data.labels, data.weights, GetParam(), 0.1);
  ASSERT_TRUE(fit.has_value()) << fit.error().message();
  EXPECT_TRUE(fit->converged);
  EXPECT_LT(fit->iterations, 30u);
  const Vector g = reference_gradient(data.x, data.labels, data.weights, GetParam(), 0.1, *fit);
  EXPECT_LT(g.cwiseAbs().maxCoeff(), 1e-6);
}

TEST_P(LinearNewtonTest, SeparableDataStaysFiniteWithRegularization) {
  auto data = make_linear_data(500, {3.0, 1.0}, 0.0, true, 12);
  auto fit = fit_linear_newton(data.x, data.labels, data.weights, GetParam(), 1.0);
  ASSERT_TRUE(fit.has_value()) << fit.error().message();
  EXPECT_TRUE(fit->converged);
  EXPECT_TRUE(fit->weights.allFinite());
  EXPECT_GT(fit->weights(0), fit->weights(1));
}

TEST_P(LinearNewtonTest, WeightTwoEqualsADuplicatedRow) {
  auto data = make_linear_data(200, {1.0, 0.5}, -0.2, false, 13);
  auto doubled = data;
  doubled.weights[0] = 2;
  auto duplicated = data;
  duplicated.x.conservativeResize(201, 2);
  duplicated.x.row(200) = data.x.row(0);
  duplicated.labels.push_back(data.labels[0]);
  duplicated.weights.push_back(1);
  auto a = fit_linear_newton(doubled.x, doubled.labels, doubled.weights, GetParam(), 0.5);
  auto b = fit_linear_newton(duplicated.x, duplicated.labels, duplicated.weights, GetParam(), 0.5);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_LT((a->weights - b->weights).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_NEAR(a->bias, b->bias, 1e-9);
}

TEST_P(LinearNewtonTest, LargeProblemsStartFromASubsampleFit) {
  // 70000 rows: solved first on every 16th row, then a few full-data steps reach the optimum.
  auto data = make_linear_data(70000, {0.8, -0.4, 1.2}, -1.0, false, 14);
  auto fit = fit_linear_newton(data.x, data.labels, data.weights, GetParam(), 1.0);
  ASSERT_TRUE(fit.has_value()) << fit.error().message();
  EXPECT_TRUE(fit->converged);
  EXPECT_LE(fit->iterations, 4u);
  const Vector g = reference_gradient(data.x, data.labels, data.weights, GetParam(), 1.0, *fit);
  EXPECT_LT(g.cwiseAbs().maxCoeff(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Losses, LinearNewtonTest,
                         ::testing::Values(LinearLoss::kLogistic, LinearLoss::kSquaredHinge),
                         [](const auto& info) {
                           return info.param == LinearLoss::kLogistic ? "logistic"
                                                                      : "squared_hinge";
                         });

TEST(LinearNewtonTest, SoftTargetsWithoutRegularizationMatchTheClosedForm) {
  // One feature that is always zero and soft target 0.8 everywhere: the optimum has
  // sigmoid(b) = 0.8 and the singular Hessian direction (w) stays at zero.
  Matrix x = Matrix::Zero(10, 1);
  std::vector<double> targets(10, 0.8), weights(10, 1.0);
  auto fit = fit_linear_newton(x, targets, weights, LinearLoss::kLogistic, 0.0);
  ASSERT_TRUE(fit.has_value()) << fit.error().message();
  EXPECT_NEAR(fit->bias, std::log(0.8 / 0.2), 1e-9);
  EXPECT_NEAR(fit->weights(0), 0.0, 1e-12);
}

TEST(LinearNewtonTest, RejectsBadInputs) {
  Matrix x = Matrix::Ones(3, 1);
  std::vector<double> targets{0, 1, 0};
  std::vector<double> negative{1, -1, 1};
  auto fit = fit_linear_newton(x, targets, negative, LinearLoss::kLogistic, 1.0);
  ASSERT_FALSE(fit.has_value());
  EXPECT_EQ(fit.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(fit.error().message().find("row 1"), std::string::npos);

  std::vector<double> zeros(3, 0.0);
  EXPECT_FALSE(fit_linear_newton(x, targets, zeros, LinearLoss::kLogistic, 1.0).has_value());
  std::vector<double> short_targets{0, 1};
  std::vector<double> ones(3, 1.0);
  EXPECT_FALSE(fit_linear_newton(x, short_targets, ones, LinearLoss::kLogistic, 1.0).has_value());
}

}  // namespace
}  // namespace aiotops::ml
