#include "tflite/lower.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "ml/linear_svm.h"
#include "ml/logistic.h"
#include "ml/mlp.h"

namespace aiotops::tflite {
namespace {

// A dense layer in double before it is narrowed to float32.
struct WideLayer {
  size_t inputs = 0;
  size_t outputs = 0;
  Activation activation = Activation::kNone;
  std::vector<double> weights;  // outputs x inputs, row-major
  std::vector<double> bias;     // outputs
};

WideLayer linear_layer(const ml::LinearFunction& f, double gain, double offset) {
  WideLayer layer;
  layer.inputs = static_cast<size_t>(f.weights.size());
  layer.outputs = 1;
  for (double w : f.weights) layer.weights.push_back(gain * w);
  layer.bias.push_back(gain * f.bias + offset);
  return layer;
}

std::vector<WideLayer> mlp_layers(const ml::MlpClassifier& mlp) {
  std::vector<WideLayer> layers;
  const auto sizes = mlp.layer_sizes();
  const auto parameters = mlp.parameters();
  size_t at = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    WideLayer layer;
    layer.inputs = sizes[l];
    layer.outputs = sizes[l + 1];
    layer.activation = l + 2 < sizes.size() ? Activation::kRelu : Activation::kNone;
    const size_t count = layer.inputs * layer.outputs;
    layer.weights.assign(parameters.begin() + static_cast<ptrdiff_t>(at),
                         parameters.begin() + static_cast<ptrdiff_t>(at + count));
    at += count;
    layer.bias.assign(parameters.begin() + static_cast<ptrdiff_t>(at),
                      parameters.begin() + static_cast<ptrdiff_t>(at + layer.outputs));
    at += layer.outputs;
    layers.push_back(std::move(layer));
  }
  return layers;
}

Result<std::vector<WideLayer>> wide_layers(const ml::Classifier& classifier) {
  std::vector<WideLayer> layers;
  switch (classifier.kind()) {
    case ml::ModelKind::kLogistic:
      layers.push_back(
          linear_layer(static_cast<const ml::LogisticRegression&>(classifier).function(), 1, 0));
      return layers;
    case ml::ModelKind::kLinearSvm: {
      // sigmoid(a (w.x + b) + c) = sigmoid((a w).x + (a b + c)).
      const auto& svm = static_cast<const ml::LinearSvm&>(classifier);
      layers.push_back(linear_layer(svm.function(), svm.platt().a, svm.platt().c));
      return layers;
    }
    case ml::ModelKind::kMlp:
      return mlp_layers(static_cast<const ml::MlpClassifier&>(classifier));
    case ml::ModelKind::kNaiveBayes:
      break;
  }
  return fail(ErrorCode::kInvalidArgument,
              "naive-bayes models cannot be exported to TFLite (not a dense network)");
}

Result<float> narrow(double value, std::string_view what, size_t index) {
  if (!std::isfinite(value) || std::abs(value) > std::numeric_limits<float>::max()) {
    return fail(ErrorCode::kInvalidArgument, "{}[{}] = {} does not fit in float32", what, index,
                value);
  }
  return static_cast<float>(value);
}

DenseLayer shape_of(const WideLayer& wide) {
  DenseLayer layer;
  layer.inputs = wide.inputs;
  layer.outputs = wide.outputs;
  layer.activation = wide.activation;
  return layer;
}

// W' = W / scale (per input column) and b' = b - W' mean: the first layer then takes raw values.
// The bias is computed from the float32-rounded weights, so that the only rounding left at the
// training mean is the bias's own.
Result<DenseLayer> fold_scaler(const WideLayer& wide, const ml::Scaler& scaler) {
  DenseLayer layer = shape_of(wide);
  for (size_t o = 0; o < wide.outputs; ++o) {
    double bias = wide.bias[o];
    for (size_t i = 0; i < wide.inputs; ++i) {
      const size_t k = o * wide.inputs + i;
      auto w = narrow(wide.weights[k] / scaler.scale()(static_cast<Eigen::Index>(i)),
                      "layers[0].weights", k);
      if (!w) return fail(w.error());
      layer.weights.push_back(*w);
      bias -= static_cast<double>(*w) * scaler.mean()(static_cast<Eigen::Index>(i));
    }
    auto b = narrow(bias, "layers[0].bias", o);
    if (!b) return fail(b.error());
    layer.bias.push_back(*b);
  }
  return layer;
}

Result<DenseLayer> narrow_layer(const WideLayer& wide, size_t index) {
  DenseLayer layer = shape_of(wide);
  const std::string weights = "layers[" + std::to_string(index) + "].weights";
  const std::string bias = "layers[" + std::to_string(index) + "].bias";
  for (size_t k = 0; k < wide.weights.size(); ++k) {
    auto w = narrow(wide.weights[k], weights, k);
    if (!w) return fail(w.error());
    layer.weights.push_back(*w);
  }
  for (size_t k = 0; k < wide.bias.size(); ++k) {
    auto b = narrow(wide.bias[k], bias, k);
    if (!b) return fail(b.error());
    layer.bias.push_back(*b);
  }
  return layer;
}

// The float nearest `value` on the side `toward` (-inf or +inf) or equal to it, kept finite.
float round_outward(double value, float toward) {
  constexpr float kMax = std::numeric_limits<float>::max();
  const double kept = std::clamp(value, double{-kMax}, double{kMax});
  const float near = static_cast<float>(kept);
  const float outward =
      (toward < 0 ? near > kept : near < kept) ? std::nextafter(near, toward) : near;
  return std::clamp(outward, -kMax, kMax);
}

GraphMetadata graph_metadata(const ml::Model& model, const LowerOptions& options) {
  const ml::ModelMetadata& source = model.metadata();
  GraphMetadata metadata;
  metadata.model_name = options.model_name.empty()
                            ? std::string(ml::to_string(model.classifier().kind()))
                            : options.model_name;
  metadata.model_version = options.model_version;
  metadata.feature_names = source.feature_names;
  metadata.threshold = static_cast<float>(source.threshold.value);
  metadata.dataset_sha256 = source.training.dataset_sha256;
  for (const ml::AlertLevel& level : source.alert_levels) {
    metadata.alert_level_names.push_back(level.name);
    metadata.alert_level_from.push_back(static_cast<float>(level.from));
  }
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (const ml::FeatureRange& range : source.training.feature_ranges) {
    metadata.training_min.push_back(round_outward(range.min, -kInf));
    metadata.training_max.push_back(round_outward(range.max, kInf));
  }
  return metadata;
}

}  // namespace

Result<Graph> lower_to_graph(const ml::Model& model, const LowerOptions& options) {
  auto wide = wide_layers(model.classifier());
  if (!wide) return fail(wide.error());
  Graph graph;
  graph.type = TensorType::kFloat32;
  graph.inputs = model.scaler().num_features();
  for (size_t l = 0; l < wide->size(); ++l) {
    auto layer = l == 0 && options.fold_scaler ? fold_scaler((*wide)[l], model.scaler())
                                               : narrow_layer((*wide)[l], l);
    if (!layer) return fail(layer.error());
    graph.layers.push_back(std::move(*layer));
  }
  if (!options.fold_scaler) {
    for (size_t i = 0; i < graph.inputs; ++i) {
      const auto index = static_cast<Eigen::Index>(i);
      auto mean = narrow(model.scaler().mean()(index), "scaler.mean", i);
      if (!mean) return fail(mean.error());
      auto scale = narrow(model.scaler().scale()(index), "scaler.scale", i);
      if (!scale) return fail(scale.error());
      graph.standardize.mean.push_back(*mean);
      graph.standardize.scale.push_back(*scale);
    }
  }
  graph.metadata = graph_metadata(model, options);
  return graph;
}

}  // namespace aiotops::tflite
