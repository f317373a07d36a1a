#include "ml/linear_newton.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Cholesky>

namespace aiotops::ml {
namespace {

// Rows per block: the block buffers stay in L1/L2 and per-block overheads vanish.
constexpr Eigen::Index kBlockRows = 1024;
// Armijo sufficient-decrease constant and the most halvings of a step before giving up.
constexpr double kArmijo = 1e-4;
constexpr int kMaxHalvings = 40;

// Objective, gradient and Hessian over (w, b); the bias is the last coordinate.
struct Derivatives {
  double objective = 0;
  Vector gradient;
  Eigen::MatrixXd hessian;
};

// One pass over the rows per evaluate(); owns the block buffers so a pass does not allocate.
class Evaluator {
 public:
  Evaluator(const Matrix& x, std::span<const double> targets, std::span<const double> weights,
            LinearLoss loss, double l2)
      : x_(x),
        targets_(targets.data(), static_cast<Eigen::Index>(targets.size())),
        weights_(weights.data(), static_cast<Eigen::Index>(weights.size())),
        loss_(loss),
        l2_(l2),
        z_(kBlockRows),
        first_(kBlockRows),
        second_(kBlockRows),
        scratch_(kBlockRows),
        scaled_(kBlockRows, x.cols()) {}

  // Fills `out` with the regularized objective and its first and second derivatives at (w, b).
  void evaluate(const Vector& w, double b, Derivatives& out) {
    const Eigen::Index d = x_.cols();
    out.objective = 0;
    out.gradient.setZero(d + 1);
    out.hessian.setZero(d + 1, d + 1);
    for (Eigen::Index start = 0; start < x_.rows(); start += kBlockRows) {
      const Eigen::Index n = std::min(kBlockRows, x_.rows() - start);
      accumulate_block(start, n, w, b, out);
    }
    out.objective += 0.5 * l2_ * w.squaredNorm();
    out.gradient.head(d) += l2_ * w;
    out.hessian.topLeftCorner(d, d).diagonal().array() += l2_;
    // Only the lower triangle of the feature block was accumulated.
    out.hessian.topLeftCorner(d, d).triangularView<Eigen::StrictlyUpper>() =
        out.hessian.topLeftCorner(d, d).transpose();
    out.hessian.row(d).head(d) = out.hessian.col(d).head(d).transpose();
  }

 private:
  void accumulate_block(Eigen::Index start, Eigen::Index n, const Vector& w, double b,
                        Derivatives& out) {
    const Eigen::Index d = x_.cols();
    auto xb = x_.middleRows(start, n);
    auto z = z_.head(n);
    auto t = targets_.segment(start, n);
    auto s = weights_.segment(start, n);
    auto first = first_.head(n);
    auto second = second_.head(n);
    auto scratch = scratch_.head(n);
    z.matrix().noalias() = xb * w;
    z += b;
    switch (loss_) {
      case LinearLoss::kLogistic: {
        // e = exp(-|z|); p = sigmoid(z) is 1/(1+e) for z >= 0 and e/(1+e) otherwise;
        // p(1-p) = e/(1+e)^2 on both sides; log(1+exp(z)) = max(z,0) + log1p(e).
        scratch = (-z.abs()).exp();
        out.objective += (s * (z.max(0.0) + scratch.log1p() - t * z)).sum();
        second = 1.0 / (1.0 + scratch);
        first = s * ((z >= 0.0).select(second, scratch * second) - t);
        second = s * scratch * second.square();
        break;
      }
      case LinearLoss::kSquaredHinge: {
        // y = 2t - 1; margin m = max(0, 1 - y z); loss m^2, d/dz = -2 y m, d2/dz2 = 2 [m > 0].
        scratch = (1.0 - (2.0 * t - 1.0) * z).max(0.0);
        out.objective += (s * scratch.square()).sum();
        first = -2.0 * s * (2.0 * t - 1.0) * scratch;
        second = 2.0 * s * (scratch > 0.0).cast<double>();
        break;
      }
    }
    out.gradient.head(d).noalias() += xb.transpose() * first.matrix();
    out.gradient(d) += first.sum();
    auto scaled = scaled_.topRows(n);
    scaled = xb.array().colwise() * second;
    out.hessian.topLeftCorner(d, d).triangularView<Eigen::Lower>() +=
        xb.transpose() * scaled.matrix();
    out.hessian.col(d).head(d).noalias() += xb.transpose() * second.matrix();
    out.hessian(d, d) += second.sum();
  }

  const Matrix& x_;
  Eigen::Map<const Eigen::ArrayXd> targets_;
  Eigen::Map<const Eigen::ArrayXd> weights_;
  LinearLoss loss_;
  double l2_;
  Eigen::ArrayXd z_, first_, second_, scratch_;
  Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> scaled_;
};

// Solves hessian * step = -gradient, adding a growing ridge when the Hessian is singular
// (possible only without regularization, e.g. a feature that is zero in every row).
Vector newton_direction(const Derivatives& at) {
  Eigen::MatrixXd hessian = at.hessian;
  const double scale = std::max(1.0, hessian.diagonal().cwiseAbs().maxCoeff());
  for (double ridge = 0;; ridge = ridge == 0 ? 1e-10 * scale : ridge * 100) {
    hessian.diagonal() = at.hessian.diagonal().array() + ridge;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(hessian);
    if (ldlt.info() == Eigen::Success && ldlt.isPositive()) {
      Vector step = ldlt.solve(-at.gradient);
      if (step.allFinite() && at.gradient.dot(step) < 0) return step;
    }
    if (ridge > 1e10 * scale) return -at.gradient;  // steepest descent as the last resort
  }
}

Status check_inputs(const Matrix& x, std::span<const double> targets,
                    std::span<const double> weights) {
  const auto rows = static_cast<size_t>(x.rows());
  if (targets.size() != rows || weights.size() != rows) {
    return fail(ErrorCode::kInvalidArgument, "linear fit: {} rows but {} targets and {} weights",
                rows, targets.size(), weights.size());
  }
  if (rows == 0 || x.cols() == 0) {
    return fail(ErrorCode::kInvalidArgument, "linear fit: no rows or no features");
  }
  for (size_t i = 0; i < rows; ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i])) {
      return fail(ErrorCode::kInvalidArgument, "linear fit: weight of row {} is {}", i, weights[i]);
    }
  }
  return {};
}

}  // namespace

Result<LinearFit> fit_linear_newton(const Matrix& x, std::span<const double> targets,
                                    std::span<const double> weights, LinearLoss loss, double l2,
                                    const NewtonOptions& options) {
  if (auto status = check_inputs(x, targets, weights); !status) return fail(status.error());
  double total_weight = 0;
  double weighted_target = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    total_weight += weights[i];
    weighted_target += weights[i] * targets[i];
  }
  if (!(total_weight > 0)) {
    return fail(ErrorCode::kInvalidArgument, "linear fit: the sample weights sum to zero");
  }

  const Eigen::Index d = x.cols();
  Evaluator evaluator(x, targets, weights, loss, l2);
  Vector w = Vector::Zero(d);
  double b = 0;
  if (loss == LinearLoss::kLogistic) {
    // Start at the weighted base rate: saves a few iterations on imbalanced data.
    const double rate = std::clamp(weighted_target / total_weight, 1e-12, 1 - 1e-12);
    b = std::log(rate / (1 - rate));
  }
  Derivatives current, trial;
  evaluator.evaluate(w, b, current);

  LinearFit fit;
  for (;;) {
    const double gradient_norm = current.gradient.cwiseAbs().maxCoeff();
    if (gradient_norm / total_weight <= options.gradient_tolerance) {
      fit.converged = true;
      break;
    }
    if (fit.iterations >= options.max_iterations) break;
    const Vector step = newton_direction(current);
    const double slope = current.gradient.dot(step);
    // Near the optimum the decrease falls below the rounding of the objective: there a full
    // Newton step is accepted when it shrinks the gradient.
    const bool decrease_unmeasurable = -slope <= 1e-12 * std::abs(current.objective);
    bool accepted = false;
    double length = 1;
    for (int halving = 0; halving <= kMaxHalvings && !accepted; ++halving, length *= 0.5) {
      const Vector w_trial = w + length * step.head(d);
      const double b_trial = b + length * step(d);
      evaluator.evaluate(w_trial, b_trial, trial);
      const bool armijo = trial.objective <= current.objective + kArmijo * length * slope;
      const bool smaller_gradient =
          decrease_unmeasurable && trial.gradient.cwiseAbs().maxCoeff() < gradient_norm;
      if (std::isfinite(trial.objective) && (armijo || smaller_gradient)) {
        w = w_trial;
        b = b_trial;
        std::swap(current, trial);
        accepted = true;
      }
    }
    if (!accepted) break;  // no representable progress left
    ++fit.iterations;
  }
  fit.weights = std::move(w);
  fit.bias = b;
  fit.objective = current.objective / total_weight;
  return fit;
}

}  // namespace aiotops::ml
