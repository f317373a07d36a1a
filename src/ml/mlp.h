#pragma once
// Multilayer perceptron for binary fault detection: ReLU hidden layers, one sigmoid output,
// weighted binary cross-entropy, Adam on shuffled mini-batches, early stopping. The reference's
// Dense(50, relu) -> Dense(40, relu) -> Dense(1, sigmoid) network is `MlpOptions{.hidden = {50,
// 40}}` on its four features. Defaults mirror scikit-learn's MLPClassifier where it has an
// equivalent (named after each field).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/classifier.h"

namespace aiotops::ml {

// Widest hidden layer train_mlp and MlpClassifier::from_json accept, in units.
inline constexpr size_t kMlpMaxUnits = 1 << 16;

struct MlpOptions {
  // Units of each hidden ReLU layer, input side first; empty = no hidden layer (logistic
  // regression trained by Adam). sklearn: hidden_layer_sizes.
  std::vector<size_t> hidden{50, 40};
  size_t max_epochs = 200;  // passes over the training rows at most; sklearn: max_iter
  size_t batch_size = 200;  // rows per mini-batch, clipped to the row count; sklearn: batch_size
  double learning_rate = 1e-3;  // Adam step size, > 0; sklearn: learning_rate_init
  double beta1 = 0.9;           // Adam decay rate of the gradient mean, in [0, 1)
  double beta2 = 0.999;         // Adam decay rate of the squared-gradient mean, in [0, 1)
  double epsilon = 1e-8;        // Adam denominator guard, > 0
  // L2 penalty on the weights (not the biases): each batch of b rows adds l2 / (2 b) * |W|^2 to
  // its loss. sklearn: alpha.
  double l2 = 1e-4;
  // Training stops after this many consecutive epochs whose monitored loss (validation loss when
  // a validation set is given, else the training loss) did not improve on the best by at least
  // min_delta; >= 1. sklearn: n_iter_no_change.
  size_t patience = 10;
  double min_delta = 1e-4;  // loss decrease that counts as an improvement, in nats; sklearn: tol
  // Seeds weight initialisation and the shuffles: the same seed, data and options give the same
  // weights bit for bit.
  uint64_t seed = 0;
};

// A trained perceptron. Layer l maps layer_sizes()[l] inputs to layer_sizes()[l + 1] outputs
// with weights stored outputs x inputs row-major followed by the biases; hidden layers apply
// ReLU, the single output a sigmoid. Immutable, so every method may be called concurrently.
class MlpClassifier final : public Classifier {
 public:
  // Builds a network from its layer sizes {inputs, hidden..., 1} and its flat parameters in
  // parameters() order. Fails with kInvalidArgument when the sizes or the count disagree, a size
  // is zero or above kMlpMaxUnits, or a parameter is not finite.
  static Result<std::unique_ptr<MlpClassifier>> create(std::vector<size_t> layer_sizes,
                                                       std::vector<double> parameters);
  // Rebuilds a network from parameters_to_json() output. Fails with kCorrupt naming the field
  // (e.g. "layers[1].weights") that is missing, mistyped, non-finite or inconsistent in size.
  static Result<std::unique_ptr<MlpClassifier>> from_json(const nlohmann::json& parameters);

  ModelKind kind() const override { return ModelKind::kMlp; }
  // Allocation-free after a thread's first call on a network this wide. NaN when the row does
  // not hold num_features() values.
  double predict_proba(std::span<const double> standardized_row) const override;
  // Vectorized over blocks of rows; NaN for every row when x has the wrong column count.
  Vector predict_proba_batch(const Matrix& x) const override;
  size_t num_features() const override { return layer_sizes_.front(); }
  size_t parameter_count() const override { return parameters_.size(); }
  size_t macs() const override;
  // {"layers": [{"inputs", "outputs", "activation": "relu"|"sigmoid", "weights": [outputs x
  // inputs, row-major], "biases": [outputs]}, ...]}
  nlohmann::json parameters_to_json() const override;

  // {inputs, hidden..., 1}.
  std::span<const size_t> layer_sizes() const { return layer_sizes_; }
  // Per layer: weights (outputs x inputs, row-major), then biases.
  std::span<const double> parameters() const { return parameters_; }

 private:
  MlpClassifier(std::vector<size_t> layer_sizes, std::vector<double> parameters);

  std::vector<size_t> layer_sizes_;
  std::vector<double> parameters_;
  size_t widest_layer_ = 0;
};

// The classifier_from_json entry for ModelKind::kMlp: MlpClassifier::from_json as a Classifier.
Result<std::unique_ptr<Classifier>> mlp_from_json(const nlohmann::json& parameters);

// Trains a network on standardized rows `x` with 0/1 `labels`. `sample_weights` (empty = all 1,
// else one finite weight >= 0 per row, not all zero) scale each row's cross-entropy; they are
// normalised to mean 1 so the learning rate means the same with or without them. With a
// validation set (`x_validation` non-null, `y_validation` its 0/1 labels), training stops early on
// the validation cross-entropy and returns the weights of the epoch where it was lowest; without
// one (`x_validation` null, `y_validation` empty) it stops when the training loss plateaus and
// returns the last weights. `progress` (may be empty) is called after every epoch.
// Fails with kInvalidArgument naming the bad argument or option, or when the loss diverges.
// Thread-safe: shares no state between calls.
Result<std::unique_ptr<Classifier>> train_mlp(const Matrix& x, std::span<const double> labels,
                                              std::span<const double> sample_weights,
                                              const MlpOptions& options, const Matrix* x_validation,
                                              std::span<const double> y_validation,
                                              const ProgressCallback& progress);

// The objective train_mlp minimises, on one batch: the mean over the rows of weight x binary
// cross-entropy (weights normalised to mean 1; empty = all 1) plus l2 / (2 rows) * |W|^2, and
// its gradient in parameters() order, computed by the trainer's own backpropagation.
struct MlpObjective {
  double loss = 0;
  std::vector<double> gradient;
};
// Fails with kInvalidArgument when the shapes, labels or weights are invalid.
Result<MlpObjective> mlp_objective(const MlpClassifier& model, const Matrix& x,
                                   std::span<const double> labels,
                                   std::span<const double> sample_weights, double l2);

}  // namespace aiotops::ml
