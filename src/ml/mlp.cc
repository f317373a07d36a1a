#include "ml/mlp.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <utility>

namespace aiotops::ml {
namespace {

// Activations and deltas keep one column per data row, so a block of row-major data rows is
// already an (inputs x rows) column-major matrix.
using ColMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using ConstColMap = Eigen::Map<const ColMatrix>;
using ConstWeightMap = Eigen::Map<const Matrix>;
using WeightMap = Eigen::Map<Matrix>;
using ConstVectorMap = Eigen::Map<const Vector>;
using VectorMap = Eigen::Map<Vector>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Rows per block when predicting or scoring a whole matrix.
constexpr size_t kBlockRows = 512;
// How far ahead of the mini-batch gather to prefetch the next shuffled rows.
constexpr size_t kPrefetchRows = 16;

// Where one layer's parameters sit in the flat parameter vector.
struct LayerSpan {
  size_t inputs = 0;
  size_t outputs = 0;
  size_t weights = 0;  // offset of the outputs x inputs row-major weights
  size_t biases = 0;   // offset of the outputs biases
};

std::vector<LayerSpan> layer_spans(std::span<const size_t> sizes) {
  std::vector<LayerSpan> spans;
  size_t offset = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    const LayerSpan span{sizes[l], sizes[l + 1], offset, offset + sizes[l] * sizes[l + 1]};
    offset = span.biases + span.outputs;
    spans.push_back(span);
  }
  return spans;
}

size_t parameter_total(std::span<const size_t> sizes) {
  size_t total = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) total += (sizes[l] + 1) * sizes[l + 1];
  return total;
}

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// -[y log(sigmoid(z)) + (1 - y) log(1 - sigmoid(z))], without overflow for any logit z.
double cross_entropy(double z, double y) {
  return std::max(z, 0.0) - y * z + std::log1p(std::exp(-std::abs(z)));
}

// Forward and backward passes over blocks of at most max_rows rows, in buffers allocated once.
class Network {
 public:
  Network(std::span<const size_t> sizes, size_t max_rows) : layers_(layer_spans(sizes)) {
    for (const LayerSpan& layer : layers_) {
      activations_.emplace_back(layer.outputs, max_rows);
      deltas_.emplace_back(layer.outputs, max_rows);
    }
  }

  // Runs `input` (inputs x rows) through the network; returns the output logits (1 x rows).
  auto forward(const double* params, const ConstColMap& input) {
    const Eigen::Index rows = input.cols();
    for (size_t l = 0; l < layers_.size(); ++l) {
      const LayerSpan& layer = layers_[l];
      const ConstWeightMap w(params + layer.weights, layer.outputs, layer.inputs);
      const ConstVectorMap b(params + layer.biases, layer.outputs);
      auto out = activations_[l].leftCols(rows);
      out.noalias() = w * previous(l, input);
      out.colwise() += b;
      if (l + 1 < layers_.size()) out = out.cwiseMax(0.0);
    }
    return activations_.back().leftCols(rows);
  }

  // After forward(params, input): writes into `gradient` the gradient of
  //   sum_i scales_i * cross_entropy_i / rows + l2 / (2 rows) * |W|^2
  // (scales empty = all 1) and returns that loss.
  double backward(const double* params, const ConstColMap& input, std::span<const double> labels,
                  std::span<const double> scales, double l2, double* gradient) {
    const Eigen::Index rows = input.cols();
    const double inv_rows = 1.0 / static_cast<double>(rows);
    const auto logits = activations_.back().leftCols(rows);
    auto output_delta = deltas_.back().leftCols(rows);
    double loss = 0;
    for (Eigen::Index i = 0; i < rows; ++i) {
      const double z = logits(0, i);
      const double scale = scales.empty() ? 1.0 : scales[i];
      loss += scale * cross_entropy(z, labels[i]);
      output_delta(0, i) = scale * (sigmoid(z) - labels[i]) * inv_rows;
    }
    double weight_norm2 = 0;
    for (size_t l = layers_.size(); l-- > 0;) {
      const LayerSpan& layer = layers_[l];
      const ConstWeightMap w(params + layer.weights, layer.outputs, layer.inputs);
      WeightMap grad_w(gradient + layer.weights, layer.outputs, layer.inputs);
      VectorMap grad_b(gradient + layer.biases, layer.outputs);
      const auto delta = deltas_[l].leftCols(rows);
      const ConstColMap in = previous(l, input);
      grad_w = (l2 * inv_rows) * w;
      grad_w.noalias() += delta * in.transpose();
      grad_b.noalias() = delta.rowwise().sum();
      weight_norm2 += w.squaredNorm();
      if (l > 0) {
        auto previous_delta = deltas_[l - 1].leftCols(rows);
        previous_delta.noalias() = w.transpose() * delta;
        // ReLU's derivative, branch-free: no delta flows through a unit that was inactive.
        double* d = previous_delta.data();
        const double* activation = in.data();
        for (Eigen::Index i = 0; i < previous_delta.size(); ++i) {
          d[i] = activation[i] > 0.0 ? d[i] : 0.0;
        }
      }
    }
    return loss * inv_rows + 0.5 * l2 * inv_rows * weight_norm2;
  }

  // Calls fn(first_row, logits) for consecutive blocks of the rows of x.
  template <typename Fn>
  void for_each_block(const double* params, const Matrix& x, Fn&& fn) {
    const auto total = static_cast<size_t>(x.rows());
    const auto block = static_cast<size_t>(activations_.front().cols());
    for (size_t first = 0; first < total; first += block) {
      const size_t rows = std::min(block, total - first);
      const ConstColMap input(x.data() + first * x.cols(), x.cols(),
                              static_cast<Eigen::Index>(rows));
      fn(first, forward(params, input));
    }
  }

  // Mean unweighted cross-entropy of the network on (x, labels).
  double mean_cross_entropy(const double* params, const Matrix& x, std::span<const double> labels) {
    double sum = 0;
    for_each_block(params, x, [&](size_t first, const auto& logits) {
      for (Eigen::Index i = 0; i < logits.cols(); ++i) {
        sum += cross_entropy(logits(0, i), labels[first + i]);
      }
    });
    return sum / static_cast<double>(x.rows());
  }

 private:
  // The input of layer l: the data block, or the previous layer's outputs for its rows.
  ConstColMap previous(size_t l, const ConstColMap& input) const {
    if (l == 0) return input;
    return ConstColMap(activations_[l - 1].data(), activations_[l - 1].rows(), input.cols());
  }

  std::vector<LayerSpan> layers_;
  std::vector<ColMatrix> activations_;  // per layer: post-ReLU outputs; the last holds logits
  std::vector<ColMatrix> deltas_;       // per layer: d loss / d pre-activation
};

// Adam (Kingma & Ba) with the bias correction folded into the step size, as scikit-learn does.
class Adam {
 public:
  Adam(size_t size, const MlpOptions& options)
      : options_(options), m_(Eigen::ArrayXd::Zero(size)), v_(Eigen::ArrayXd::Zero(size)) {}

  void step(std::span<double> params, std::span<const double> gradient) {
    ++t_;
    const Eigen::Map<const Eigen::ArrayXd> g(gradient.data(), gradient.size());
    Eigen::Map<Eigen::ArrayXd> p(params.data(), params.size());
    const auto t = static_cast<double>(t_);
    const double rate = options_.learning_rate * std::sqrt(1 - std::pow(options_.beta2, t)) /
                        (1 - std::pow(options_.beta1, t));
    m_ = options_.beta1 * m_ + (1 - options_.beta1) * g;
    v_ = options_.beta2 * v_ + (1 - options_.beta2) * g.square();
    p -= rate * m_ / (v_.sqrt() + options_.epsilon);
  }

 private:
  const MlpOptions& options_;
  Eigen::ArrayXd m_;
  Eigen::ArrayXd v_;
  uint64_t t_ = 0;
};

// A uniform double in [0, 1) from the top 53 bits: the same on every standard library.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Fisher-Yates with a multiply-shift bounded draw: the same on every standard library.
void shuffle(std::vector<uint32_t>& order, std::mt19937_64& rng) {
  for (size_t i = order.size(); i > 1; --i) {
    const auto j = static_cast<size_t>((static_cast<unsigned __int128>(rng()) * i) >> 64);
    std::swap(order[i - 1], order[j]);
  }
}

// Glorot-uniform weights and biases, U(-b, b) with b = sqrt(6 / (fan_in + fan_out)), as
// scikit-learn initialises ReLU networks.
std::vector<double> initial_parameters(std::span<const size_t> sizes, std::mt19937_64& rng) {
  std::vector<double> params(parameter_total(sizes));
  for (const LayerSpan& layer : layer_spans(sizes)) {
    const double bound = std::sqrt(6.0 / static_cast<double>(layer.inputs + layer.outputs));
    const size_t end = layer.biases + layer.outputs;
    for (size_t i = layer.weights; i < end; ++i) params[i] = bound * (2 * uniform01(rng) - 1);
  }
  return params;
}

Status check_finite(const Matrix& x, std::string_view name) {
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
      if (!std::isfinite(x(r, c))) {
        return fail(ErrorCode::kInvalidArgument, "{} row {} column {} is {}", name, r, c, x(r, c));
      }
    }
  }
  return {};
}

Status check_labels(std::span<const double> labels, std::string_view name) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0.0 && labels[i] != 1.0) {
      return fail(ErrorCode::kInvalidArgument, "{}[{}] is {}: labels must be 0 or 1", name, i,
                  labels[i]);
    }
  }
  return {};
}

// Checks a batch (x, labels, sample_weights) and returns the weights scaled to mean 1 (empty
// when no weights were given).
Result<std::vector<double>> check_data(const Matrix& x, std::span<const double> labels,
                                       std::span<const double> sample_weights) {
  if (x.rows() == 0 || x.cols() == 0) {
    return fail(ErrorCode::kInvalidArgument, "x is {}x{}: need at least one row and one feature",
                x.rows(), x.cols());
  }
  if (x.cols() > static_cast<Eigen::Index>(kMlpMaxUnits)) {
    return fail(ErrorCode::kInvalidArgument, "x has {} features; at most {} are supported",
                x.cols(), kMlpMaxUnits);
  }
  if (labels.size() != static_cast<size_t>(x.rows())) {
    return fail(ErrorCode::kInvalidArgument, "labels has {} entries for {} rows", labels.size(),
                x.rows());
  }
  if (auto ok = check_finite(x, "x"); !ok) return fail(ok.error());
  if (auto ok = check_labels(labels, "labels"); !ok) return fail(ok.error());
  if (sample_weights.empty()) return std::vector<double>{};
  if (sample_weights.size() != labels.size()) {
    return fail(ErrorCode::kInvalidArgument, "sample_weights has {} entries for {} rows",
                sample_weights.size(), labels.size());
  }
  double sum = 0;
  for (size_t i = 0; i < sample_weights.size(); ++i) {
    if (!std::isfinite(sample_weights[i]) || sample_weights[i] < 0) {
      return fail(ErrorCode::kInvalidArgument,
                  "sample_weights[{}] is {}: weights must be finite and >= 0", i,
                  sample_weights[i]);
    }
    sum += sample_weights[i];
  }
  if (!(sum > 0)) return fail(ErrorCode::kInvalidArgument, "sample_weights are all zero");
  const double mean = sum / static_cast<double>(sample_weights.size());
  std::vector<double> scales(sample_weights.begin(), sample_weights.end());
  for (double& s : scales) s /= mean;
  return scales;
}

Status check_options(const MlpOptions& o) {
  for (size_t i = 0; i < o.hidden.size(); ++i) {
    if (o.hidden[i] == 0 || o.hidden[i] > kMlpMaxUnits) {
      return fail(ErrorCode::kInvalidArgument, "hidden[{}] is {}: layers need 1 to {} units", i,
                  o.hidden[i], kMlpMaxUnits);
    }
  }
  const auto bad = [](std::string_view field, double value, std::string_view rule) {
    return fail(ErrorCode::kInvalidArgument, "mlp option {} is {}: must be {}", field, value, rule);
  };
  if (o.max_epochs == 0) return bad("max_epochs", 0, ">= 1");
  if (o.batch_size == 0) return bad("batch_size", 0, ">= 1");
  if (o.patience == 0) return bad("patience", 0, ">= 1");
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
    return bad("learning_rate", o.learning_rate, "finite and > 0");
  }
  if (!(o.beta1 >= 0 && o.beta1 < 1)) return bad("beta1", o.beta1, "in [0, 1)");
  if (!(o.beta2 >= 0 && o.beta2 < 1)) return bad("beta2", o.beta2, "in [0, 1)");
  if (!(o.epsilon > 0) || !std::isfinite(o.epsilon)) {
    return bad("epsilon", o.epsilon, "finite and > 0");
  }
  if (!(o.l2 >= 0) || !std::isfinite(o.l2)) return bad("l2", o.l2, "finite and >= 0");
  if (!(o.min_delta >= 0) || !std::isfinite(o.min_delta)) {
    return bad("min_delta", o.min_delta, "finite and >= 0");
  }
  return {};
}

Status check_validation(const Matrix& x, const Matrix* x_validation,
                        std::span<const double> y_validation) {
  if (x_validation == nullptr) {
    if (y_validation.empty()) return {};
    return fail(ErrorCode::kInvalidArgument, "y_validation has {} entries but x_validation is null",
                y_validation.size());
  }
  if (x_validation->rows() == 0 || x_validation->cols() != x.cols()) {
    return fail(ErrorCode::kInvalidArgument,
                "x_validation is {}x{}: need at least one row of {} features", x_validation->rows(),
                x_validation->cols(), x.cols());
  }
  if (y_validation.size() != static_cast<size_t>(x_validation->rows())) {
    return fail(ErrorCode::kInvalidArgument, "y_validation has {} entries for {} rows",
                y_validation.size(), x_validation->rows());
  }
  if (auto ok = check_finite(*x_validation, "x_validation"); !ok) return ok;
  return check_labels(y_validation, "y_validation");
}

std::string layer_field(size_t l, std::string_view name) {
  return fmt::format("mlp parameters: layers[{}].{}", l, name);
}

Result<size_t> read_size(const nlohmann::json& layer, size_t l, const char* name) {
  const auto it = layer.find(name);
  if (it == layer.end() || !it->is_number_integer() || it->get<int64_t>() < 1 ||
      it->get<int64_t>() > static_cast<int64_t>(kMlpMaxUnits)) {
    return fail(ErrorCode::kCorrupt, "{}: expected an integer from 1 to {}", layer_field(l, name),
                kMlpMaxUnits);
  }
  return it->get<size_t>();
}

// Appends the `count` finite numbers of layer[name] to `out`.
Status read_numbers(const nlohmann::json& layer, size_t l, const char* name, size_t count,
                    std::vector<double>& out) {
  const auto it = layer.find(name);
  if (it == layer.end() || !it->is_array() || it->size() != count) {
    return fail(ErrorCode::kCorrupt, "{}: expected an array of {} numbers", layer_field(l, name),
                count);
  }
  for (size_t i = 0; i < count; ++i) {
    const nlohmann::json& value = (*it)[i];
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      return fail(ErrorCode::kCorrupt, "{}[{}]: expected a finite number", layer_field(l, name), i);
    }
    out.push_back(value.get<double>());
  }
  return {};
}

}  // namespace

MlpClassifier::MlpClassifier(std::vector<size_t> layer_sizes, std::vector<double> parameters)
    : layer_sizes_(std::move(layer_sizes)),
      parameters_(std::move(parameters)),
      widest_layer_(*std::max_element(layer_sizes_.begin() + 1, layer_sizes_.end())) {}

Result<std::unique_ptr<MlpClassifier>> MlpClassifier::create(std::vector<size_t> layer_sizes,
                                                             std::vector<double> parameters) {
  if (layer_sizes.size() < 2 || layer_sizes.back() != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "mlp layer sizes must be {{inputs, hidden..., 1}}; got {} sizes ending in {}",
                layer_sizes.size(), layer_sizes.empty() ? 0 : layer_sizes.back());
  }
  for (size_t l = 0; l < layer_sizes.size(); ++l) {
    if (layer_sizes[l] == 0 || layer_sizes[l] > kMlpMaxUnits) {
      return fail(ErrorCode::kInvalidArgument, "mlp layer size {} is {}: must be 1 to {}", l,
                  layer_sizes[l], kMlpMaxUnits);
    }
  }
  if (parameters.size() != parameter_total(layer_sizes)) {
    return fail(ErrorCode::kInvalidArgument, "mlp has {} parameters; its layer sizes need {}",
                parameters.size(), parameter_total(layer_sizes));
  }
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (!std::isfinite(parameters[i])) {
      return fail(ErrorCode::kInvalidArgument, "mlp parameter {} is {}", i, parameters[i]);
    }
  }
  return std::unique_ptr<MlpClassifier>(
      new MlpClassifier(std::move(layer_sizes), std::move(parameters)));
}

Result<std::unique_ptr<MlpClassifier>> MlpClassifier::from_json(const nlohmann::json& parameters) {
  const auto layers = parameters.find("layers");
  if (!parameters.is_object() || layers == parameters.end() || !layers->is_array() ||
      layers->empty()) {
    return fail(ErrorCode::kCorrupt, "mlp parameters: layers: expected a non-empty array");
  }
  std::vector<size_t> sizes;
  std::vector<double> flat;
  for (size_t l = 0; l < layers->size(); ++l) {
    const nlohmann::json& layer = (*layers)[l];
    if (!layer.is_object()) {
      return fail(ErrorCode::kCorrupt, "mlp parameters: layers[{}]: expected an object", l);
    }
    auto inputs = read_size(layer, l, "inputs");
    if (!inputs) return fail(inputs.error());
    auto outputs = read_size(layer, l, "outputs");
    if (!outputs) return fail(outputs.error());
    if (l == 0) sizes.push_back(*inputs);
    if (*inputs != sizes.back()) {
      return fail(ErrorCode::kCorrupt, "{}: is {} but the previous layer has {} outputs",
                  layer_field(l, "inputs"), *inputs, sizes.back());
    }
    const bool last = l + 1 == layers->size();
    if (last && *outputs != 1) {
      return fail(ErrorCode::kCorrupt, "{}: the output layer must have 1 output, not {}",
                  layer_field(l, "outputs"), *outputs);
    }
    sizes.push_back(*outputs);
    const char* expected = last ? "sigmoid" : "relu";
    const auto activation = layer.find("activation");
    if (activation == layer.end() || !activation->is_string() || *activation != expected) {
      return fail(ErrorCode::kCorrupt, "{}: expected \"{}\"", layer_field(l, "activation"),
                  expected);
    }
    if (auto ok = read_numbers(layer, l, "weights", *inputs * *outputs, flat); !ok) {
      return fail(ok.error());
    }
    if (auto ok = read_numbers(layer, l, "biases", *outputs, flat); !ok) return fail(ok.error());
  }
  auto model = create(std::move(sizes), std::move(flat));
  if (!model) return fail(ErrorCode::kCorrupt, "mlp parameters: {}", model.error().message());
  return model;
}

double MlpClassifier::predict_proba(std::span<const double> standardized_row) const {
  if (standardized_row.size() != num_features()) return kNaN;
  thread_local std::vector<double> scratch;
  if (scratch.size() < 2 * widest_layer_) scratch.resize(2 * widest_layer_);
  const double* in = standardized_row.data();
  double* out = scratch.data();
  const double* params = parameters_.data();
  for (size_t l = 0; l + 1 < layer_sizes_.size(); ++l) {
    const size_t inputs = layer_sizes_[l];
    const size_t outputs = layer_sizes_[l + 1];
    const ConstWeightMap w(params, outputs, inputs);
    const ConstVectorMap b(params + inputs * outputs, outputs);
    VectorMap o(out, outputs);
    o.noalias() = w * ConstVectorMap(in, inputs);
    o += b;
    if (l + 2 < layer_sizes_.size()) o = o.cwiseMax(0.0);
    params += (inputs + 1) * outputs;
    in = out;
    out = (out == scratch.data()) ? scratch.data() + widest_layer_ : scratch.data();
  }
  return sigmoid(in[0]);
}

Vector MlpClassifier::predict_proba_batch(const Matrix& x) const {
  if (x.cols() != static_cast<Eigen::Index>(num_features())) {
    return Vector::Constant(x.rows(), kNaN);
  }
  Vector probabilities(x.rows());
  if (x.rows() == 0) return probabilities;
  Network network(layer_sizes_, std::min(kBlockRows, static_cast<size_t>(x.rows())));
  network.for_each_block(parameters_.data(), x, [&](size_t first, const auto& logits) {
    for (Eigen::Index i = 0; i < logits.cols(); ++i) {
      probabilities[static_cast<Eigen::Index>(first) + i] = sigmoid(logits(0, i));
    }
  });
  return probabilities;
}

size_t MlpClassifier::macs() const {
  size_t total = 0;
  for (size_t l = 0; l + 1 < layer_sizes_.size(); ++l)
    total += layer_sizes_[l] * layer_sizes_[l + 1];
  return total;
}

nlohmann::json MlpClassifier::parameters_to_json() const {
  nlohmann::json layers = nlohmann::json::array();
  const std::vector<LayerSpan> spans = layer_spans(layer_sizes_);
  for (size_t l = 0; l < spans.size(); ++l) {
    const LayerSpan& s = spans[l];
    const auto at = [&](size_t offset, size_t count) {
      return std::vector<double>(parameters_.begin() + static_cast<ptrdiff_t>(offset),
                                 parameters_.begin() + static_cast<ptrdiff_t>(offset + count));
    };
    layers.push_back({{"inputs", s.inputs},
                      {"outputs", s.outputs},
                      {"activation", l + 1 == spans.size() ? "sigmoid" : "relu"},
                      {"weights", at(s.weights, s.inputs * s.outputs)},
                      {"biases", at(s.biases, s.outputs)}});
  }
  return {{"layers", std::move(layers)}};
}

Result<std::unique_ptr<Classifier>> mlp_from_json(const nlohmann::json& parameters) {
  auto model = MlpClassifier::from_json(parameters);
  if (!model) return fail(model.error());
  return std::unique_ptr<Classifier>(std::move(*model));
}

Result<std::unique_ptr<Classifier>> train_mlp(const Matrix& x, std::span<const double> labels,
                                              std::span<const double> sample_weights,
                                              const MlpOptions& options, const Matrix* x_validation,
                                              std::span<const double> y_validation,
                                              const ProgressCallback& progress) {
  auto scales = check_data(x, labels, sample_weights);
  if (!scales) return fail(scales.error());
  if (x.rows() > std::numeric_limits<uint32_t>::max()) {
    return fail(ErrorCode::kInvalidArgument, "x has {} rows; at most {} are supported", x.rows(),
                std::numeric_limits<uint32_t>::max());
  }
  const auto positives = static_cast<size_t>(std::count(labels.begin(), labels.end(), 1.0));
  if (positives == 0 || positives == labels.size()) {
    return fail(ErrorCode::kInvalidArgument, "labels are all {}: training needs both classes",
                labels.front());
  }
  if (auto ok = check_options(options); !ok) return fail(ok.error());
  if (auto ok = check_validation(x, x_validation, y_validation); !ok) return fail(ok.error());

  const auto start_time = std::chrono::steady_clock::now();
  const auto rows = static_cast<size_t>(x.rows());
  const auto inputs = static_cast<size_t>(x.cols());
  const size_t batch_size = std::min(options.batch_size, rows);
  std::vector<size_t> sizes{inputs};
  sizes.insert(sizes.end(), options.hidden.begin(), options.hidden.end());
  sizes.push_back(1);

  std::mt19937_64 rng(options.seed);
  std::vector<double> params = initial_parameters(sizes, rng);
  std::vector<double> gradient(params.size());
  std::vector<double> best_params;
  Network network(sizes, batch_size);
  Adam adam(params.size(), options);
  ColMatrix batch_x(inputs, batch_size);
  std::vector<double> batch_labels(batch_size);
  std::vector<double> batch_scales(scales->empty() ? 0 : batch_size);
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);

  double best_loss = std::numeric_limits<double>::infinity();
  size_t epochs_without_improvement = 0;
  for (size_t epoch = 1; epoch <= options.max_epochs; ++epoch) {
    shuffle(order, rng);
    double loss_sum = 0;
    for (size_t first = 0; first < rows; first += batch_size) {
      const size_t count = std::min(batch_size, rows - first);
      for (size_t k = 0; k < count; ++k) {
        if (first + k + kPrefetchRows < rows) {
          const uint32_t ahead = order[first + k + kPrefetchRows];
          __builtin_prefetch(x.data() + ahead * inputs);
          __builtin_prefetch(labels.data() + ahead);
        }
        const uint32_t r = order[first + k];
        const double* row = x.data() + r * inputs;
        double* column = batch_x.data() + k * inputs;
        for (size_t c = 0; c < inputs; ++c) column[c] = row[c];
        batch_labels[k] = labels[r];
        if (!scales->empty()) batch_scales[k] = (*scales)[r];
      }
      const ConstColMap input(batch_x.data(), static_cast<Eigen::Index>(inputs),
                              static_cast<Eigen::Index>(count));
      network.forward(params.data(), input);
      const std::span<const double> batch_scale_span =
          scales->empty() ? std::span<const double>() : std::span(batch_scales).first(count);
      loss_sum += network.backward(params.data(), input, std::span(batch_labels).first(count),
                                   batch_scale_span, options.l2, gradient.data()) *
                  static_cast<double>(count);
      adam.step(params, gradient);
    }
    const double train_loss = loss_sum / static_cast<double>(rows);
    const double validation_loss =
        x_validation ? network.mean_cross_entropy(params.data(), *x_validation, y_validation)
                     : kNaN;
    if (!std::isfinite(train_loss) || (x_validation && !std::isfinite(validation_loss))) {
      const bool train_finite = std::isfinite(train_loss);
      return fail(ErrorCode::kInvalidArgument,
                  "mlp training diverged in epoch {} ({} loss is {}); lower learning_rate", epoch,
                  train_finite ? "validation" : "training",
                  train_finite ? validation_loss : train_loss);
    }
    if (progress) {
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_time;
      progress(Progress{epoch, options.max_epochs, train_loss, validation_loss, elapsed.count()});
    }
    const double monitored = x_validation ? validation_loss : train_loss;
    epochs_without_improvement =
        monitored > best_loss - options.min_delta ? epochs_without_improvement + 1 : 0;
    if (monitored < best_loss) {
      best_loss = monitored;
      if (x_validation) best_params = params;
    }
    if (epochs_without_improvement >= options.patience) break;
  }
  if (x_validation) params = std::move(best_params);
  auto model = MlpClassifier::create(std::move(sizes), std::move(params));
  if (!model) return fail(model.error());
  return std::unique_ptr<Classifier>(std::move(*model));
}

Result<MlpObjective> mlp_objective(const MlpClassifier& model, const Matrix& x,
                                   std::span<const double> labels,
                                   std::span<const double> sample_weights, double l2) {
  auto scales = check_data(x, labels, sample_weights);
  if (!scales) return fail(scales.error());
  if (x.cols() != static_cast<Eigen::Index>(model.num_features())) {
    return fail(ErrorCode::kInvalidArgument, "x has {} features; the model takes {}", x.cols(),
                model.num_features());
  }
  if (!(l2 >= 0) || !std::isfinite(l2)) {
    return fail(ErrorCode::kInvalidArgument, "l2 is {}: must be finite and >= 0", l2);
  }
  Network network(model.layer_sizes(), static_cast<size_t>(x.rows()));
  const ConstColMap input(x.data(), x.cols(), x.rows());
  MlpObjective objective;
  objective.gradient.resize(model.parameter_count());
  network.forward(model.parameters().data(), input);
  objective.loss = network.backward(model.parameters().data(), input, labels, *scales, l2,
                                    objective.gradient.data());
  return objective;
}

}  // namespace aiotops::ml
