#include "ml/linear_newton.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Cholesky>

#include "ml/parallel.h"

namespace aiotops::ml {
namespace {

// Rows per block: the block buffers stay in L1/L2 and per-block overheads vanish.
constexpr Eigen::Index kBlockRows = 1024;
// Armijo sufficient-decrease constant and the most halvings of a step before giving up.
constexpr double kArmijo = 1e-4;
constexpr int kMaxHalvings = 40;
// A Newton step whose predicted decrease (the Newton decrement, per unit of sample weight) is
// below this is deep inside the region of quadratic convergence: it is taken without another
// pass to confirm it, and the fit ends there.
constexpr double kFinalStepDecrement = 1e-14;
// Problems of at least kWarmStartStride * kMinWarmStartRows rows are first solved on a
// 1/kWarmStartStride sample of the rows: that optimum is within sampling error of the full one,
// so the full-data passes (the cost) drop from about seven to three or four.
constexpr Eigen::Index kWarmStartStride = 16;
constexpr Eigen::Index kMinWarmStartRows = 4096;

// Objective, gradient and Hessian over (w, b); the bias is the last coordinate.
struct Derivatives {
  double objective = 0;
  Vector gradient;
  Eigen::MatrixXd hessian;
};

// One pass over the rows per evaluate(), chunk-parallel (ml/parallel.h). Each chunk's sums
// (objective, gradient, packed lower-triangular Hessian over (x, 1)) go to their own slot and are
// added in chunk order, so results do not depend on the core count. Per worker block buffers are
// allocated once, so a pass does not allocate per row. Within a block the transcendental parts
// run vectorized (Eigen) and the derivatives are accumulated in one sweep over the rows.
class Evaluator {
 public:
  Evaluator(const Matrix& x, std::span<const double> targets, std::span<const double> weights,
            LinearLoss loss, double l2)
      : x_(x),
        targets_(targets.data(), static_cast<Eigen::Index>(targets.size())),
        weights_(weights.data(), static_cast<Eigen::Index>(weights.size())),
        loss_(loss),
        l2_(l2),
        width_(static_cast<size_t>(x.cols()) + 1),
        slot_size_(1 + width_ + width_ * (width_ + 1) / 2),
        slots_(chunk_count(static_cast<size_t>(x.rows())) * slot_size_),
        workspaces_(worker_count(chunk_count(static_cast<size_t>(x.rows())))) {}

  // Fills `out` with the regularized objective and its first and second derivatives at (w, b).
  void evaluate(const Vector& w, double b, Derivatives& out) {
    for_each_chunk(
        static_cast<size_t>(x_.rows()), [&](size_t worker, size_t chunk, size_t begin, size_t end) {
          double* slot = slots_.data() + chunk * slot_size_;
          std::fill(slot, slot + slot_size_, 0.0);
          Workspace& space = workspaces_[worker];
          for (auto start = static_cast<Eigen::Index>(begin);
               start < static_cast<Eigen::Index>(end); start += kBlockRows) {
            const Eigen::Index n = std::min(kBlockRows, static_cast<Eigen::Index>(end) - start);
            slot[0] += block_derivatives(space, start, n, w, b);
            accumulate_block(space, start, n, slot + 1);
          }
        });
    std::vector<double> total(slot_size_, 0.0);
    for (size_t offset = 0; offset < slots_.size(); offset += slot_size_) {
      for (size_t i = 0; i < slot_size_; ++i) total[i] += slots_[offset + i];
    }
    const Eigen::Index d = x_.cols();
    out.objective = total[0] + 0.5 * l2_ * w.squaredNorm();
    out.gradient = Eigen::Map<const Vector>(total.data() + 1, d + 1);
    out.gradient.head(d) += l2_ * w;
    out.hessian.resize(d + 1, d + 1);
    const double* packed = total.data() + 1 + width_;
    for (Eigen::Index a = 0, k = 0; a <= d; ++a) {
      for (Eigen::Index c = 0; c <= a; ++c, ++k) out.hessian(a, c) = out.hessian(c, a) = packed[k];
    }
    out.hessian.topLeftCorner(d, d).diagonal().array() += l2_;
  }

 private:
  // One worker's block buffers.
  struct Workspace {
    Eigen::ArrayXd z = Eigen::ArrayXd(kBlockRows);
    Eigen::ArrayXd first = Eigen::ArrayXd(kBlockRows);
    Eigen::ArrayXd second = Eigen::ArrayXd(kBlockRows);
    Eigen::ArrayXd scratch = Eigen::ArrayXd(kBlockRows);
  };

  // Sets space.first and space.second (weighted d loss/dz and d2 loss/dz2) of rows
  // [start, start + n) and returns their weighted loss.
  double block_derivatives(Workspace& space, Eigen::Index start, Eigen::Index n, const Vector& w,
                           double b) const {
    auto z = space.z.head(n);
    auto t = targets_.segment(start, n);
    auto s = weights_.segment(start, n);
    auto first = space.first.head(n);
    auto second = space.second.head(n);
    auto scratch = space.scratch.head(n);
    z.matrix().noalias() = x_.middleRows(start, n) * w;
    z += b;
    switch (loss_) {
      case LinearLoss::kLogistic: {
        // e = exp(-|z|); p = sigmoid(z) is 1/(1+e) for z >= 0 and e/(1+e) otherwise;
        // p(1-p) = e/(1+e)^2 on both sides; log(1+exp(z)) = max(z,0) + log(1+e).
        scratch = (-z.abs()).exp();
        second = 1.0 / (1.0 + scratch);
        const double loss = (s * (z.max(0.0) - second.log() - t * z)).sum();
        first = s * ((z >= 0.0).select(second, scratch * second) - t);
        second = s * scratch * second.square();
        return loss;
      }
      case LinearLoss::kSquaredHinge: {
        // y = 2t - 1; margin m = max(0, 1 - y z); loss m^2, d/dz = -2 y m, d2/dz2 = 2 [m > 0].
        scratch = (1.0 - (2.0 * t - 1.0) * z).max(0.0);
        first = -2.0 * s * (2.0 * t - 1.0) * scratch;
        second = 2.0 * s * (scratch > 0.0).cast<double>();
        return (s * scratch.square()).sum();
      }
    }
    return 0;
  }

  // Adds the block's rows to `sums`: the gradient (width_ entries), then the packed lower
  // triangle of the Hessian over (x, 1), in one sweep over the rows.
  void accumulate_block(const Workspace& space, Eigen::Index start, Eigen::Index n,
                        double* sums) const {
    const size_t d = width_ - 1;
    double* gradient = sums;
    double* hessian = sums + width_;
    const double* first = space.first.data();
    const double* second = space.second.data();
    for (Eigen::Index i = 0; i < n; ++i) {
      const double* row = x_.row(start + i).data();
      const double f = first[i];
      const double h = second[i];
      size_t k = 0;
      for (size_t a = 0; a < d; ++a) {
        gradient[a] += f * row[a];
        const double ha = h * row[a];
        for (size_t c = 0; c <= a; ++c) hessian[k++] += ha * row[c];
      }
      // The bias row of the Hessian: x_a * 1, then 1 * 1.
      for (size_t c = 0; c < d; ++c) hessian[k++] += h * row[c];
      hessian[k] += h;
      gradient[d] += f;
    }
  }

  const Matrix& x_;
  Eigen::Map<const Eigen::ArrayXd> targets_;
  Eigen::Map<const Eigen::ArrayXd> weights_;
  LinearLoss loss_;
  double l2_;
  size_t width_;                       // d + 1
  size_t slot_size_;                   // objective, gradient, packed Hessian
  std::vector<double> slots_;          // one slot per chunk
  std::vector<Workspace> workspaces_;  // one per worker
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

// One row from each run of kWarmStartStride rows, at an offset that a fixed hash of the run
// picks: a sample without the periodic bias of every n-th row (a fleet's rows interleave the
// devices, so a fixed stride could see only some of them), the same on every run.
Eigen::Index sampled_row(Eigen::Index run, Eigen::Index rows) {
  uint64_t h = static_cast<uint64_t>(run) + 0x9e3779b97f4a7c15ULL;  // splitmix64
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  h ^= h >> 31;
  const Eigen::Index offset = static_cast<Eigen::Index>(h % kWarmStartStride);
  return std::min(run * kWarmStartStride + offset, rows - 1);
}

// The fit on a 1/kWarmStartStride sample of the rows, its loss standing for all rows (l2 scaled
// down by the stride); nothing for small problems or when the sample has no weight.
std::optional<LinearFit> warm_start(const Matrix& x, std::span<const double> targets,
                                    std::span<const double> weights, LinearLoss loss, double l2,
                                    const NewtonOptions& options) {
  if (x.rows() < kWarmStartStride * kMinWarmStartRows) return std::nullopt;
  const Eigen::Index rows = (x.rows() + kWarmStartStride - 1) / kWarmStartStride;
  Matrix sample(rows, x.cols());
  std::vector<double> sample_targets(static_cast<size_t>(rows));
  std::vector<double> sample_weights(static_cast<size_t>(rows));
  for (Eigen::Index i = 0; i < rows; ++i) {
    const Eigen::Index source = sampled_row(i, x.rows());
    sample.row(i) = x.row(source);
    sample_targets[static_cast<size_t>(i)] = targets[static_cast<size_t>(source)];
    sample_weights[static_cast<size_t>(i)] = weights[static_cast<size_t>(source)];
  }
  // The sample's optimum is only a start, off the full one by sampling error: a loose tolerance
  // does.
  NewtonOptions sample_options = options;
  sample_options.gradient_tolerance = std::max(options.gradient_tolerance, 1e-5);
  auto fit = fit_linear_newton(sample, sample_targets, sample_weights, loss,
                               l2 / static_cast<double>(kWarmStartStride), sample_options);
  if (!fit || !fit->weights.allFinite() || !std::isfinite(fit->bias)) return std::nullopt;
  return std::move(*fit);
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
  if (auto start = warm_start(x, targets, weights, loss, l2, options)) {
    w = std::move(start->weights);
    b = start->bias;
  } else if (loss == LinearLoss::kLogistic) {
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
    if (-slope / total_weight <= kFinalStepDecrement) {
      w += step.head(d);
      b += step(d);
      ++fit.iterations;
      fit.converged = true;
      break;
    }
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
