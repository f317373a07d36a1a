#pragma once
// Newton's method for L2-regularized linear models with a smooth (or piecewise-quadratic) loss:
//   minimise  sum_i s_i * loss(x_i . w + b, t_i)  +  (l2 / 2) * ||w||^2      (b unpenalized)
// The problems are convex and d is small, so each iteration is one pass over the rows that
// accumulates the objective, the gradient and the (d+1)x(d+1) Hessian in fixed-size blocks
// (no per-row allocation), followed by an LDLT solve and a backtracking (Armijo) line search.

#include <cstddef>
#include <span>

#include "common/error.h"
#include "ml/classifier.h"

namespace aiotops::ml {

enum class LinearLoss {
  kLogistic,      // log(1 + e^z) - t z, targets t in [0, 1] (soft targets allowed)
  kSquaredHinge,  // max(0, 1 - y z)^2 with y = 2t - 1, targets t in {0, 1}
};

struct NewtonOptions {
  size_t max_iterations = 100;       // Newton steps (each is about one pass over the rows)
  double gradient_tolerance = 1e-9;  // stop when max|gradient| / sum(s_i) is below this
};

struct LinearFit {
  Vector weights;          // d coefficients
  double bias = 0;         // intercept
  double objective = 0;    // the minimised objective divided by sum(s_i)
  size_t iterations = 0;   // Newton steps taken
  bool converged = false;  // gradient tolerance reached (else max_iterations or no progress)
};

// Fits the model on `x` (rows x d) with one target and one non-negative weight per row.
// Fails with kInvalidArgument when the sizes disagree, a weight is negative or the weights sum
// to zero. Pure function of its inputs; thread-safe.
Result<LinearFit> fit_linear_newton(const Matrix& x, std::span<const double> targets,
                                    std::span<const double> weights, LinearLoss loss, double l2,
                                    const NewtonOptions& options = {});

}  // namespace aiotops::ml
