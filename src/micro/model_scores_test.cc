// Models exported by the .tflite writer, run by the core: float graphs against the native model's
// scores, int8 graphs against an independent integer reference of TFLite's arithmetic.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "micro/interpreter.h"
#include "micro/test_model.h"
#include "tflite/metadata.h"
#include "tflite/test_models.h"
#include "tflite/writer.h"

namespace aiotops::micro {
namespace {

namespace tt = tflite::testing;

class Runner {
 public:
  explicit Runner(const tflite::Graph& graph, tflite::WriteOptions options = {})
      : model_(write(graph, options)) {
    size_t needed = 0;
    status_ = arena_required(model_.data(), model_.size(), &needed);
    arena_ = std::vector<uint8_t>(needed + kArenaAlignment);
    if (status_ == Status::kOk) {
      status_ = interpreter_.init(model_.data(), model_.size(), arena_.data(), arena_.size());
    }
  }
  Status status() const { return status_; }
  Interpreter& interpreter() { return interpreter_; }

  float score(const std::vector<double>& row) {
    std::vector<float> features(row.begin(), row.end());
    float score = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(interpreter_.set_input(0, features.data(), features.size()), Status::kOk);
    EXPECT_EQ(interpreter_.invoke(), Status::kOk);
    EXPECT_EQ(interpreter_.get_output(0, &score, 1), Status::kOk);
    return score;
  }

 private:
  static std::string write(const tflite::Graph& graph, tflite::WriteOptions options) {
    auto bytes = tflite::write_tflite(graph, options);
    if (!bytes) ADD_FAILURE() << bytes.error().message();
    return bytes ? *bytes : std::string();
  }

  testing::AlignedModel model_;
  std::vector<uint8_t> arena_;
  Interpreter interpreter_;
  Status status_ = Status::kOk;
};

// TFLite's int8 arithmetic written out directly (std::frexp, std::round, int64), for one row of
// an int8 graph with float input; returns the int8 LOGISTIC output.
int32_t round_half_away(double x) { return static_cast<int32_t>(std::round(x)); }

int32_t requantize(int64_t acc, double real_multiplier) {
  int shift = 0;
  const double fraction = std::frexp(real_multiplier, &shift);
  int64_t q = std::llround(fraction * 2147483648.0);
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++shift;
  }
  // x * 2^left, then the rounding doubling high multiply, then the rounding right shift.
  const int64_t x = acc * (shift > 0 ? (int64_t{1} << shift) : 1);
  const int64_t product = x * q;
  const int64_t high =
      (product + (product >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30))) / (int64_t{1} << 31);
  if (shift >= 0) return static_cast<int32_t>(high);
  const int64_t divisor = int64_t{1} << -shift;
  const int64_t floor_div = high >= 0 ? high / divisor : -((-high + divisor - 1) / divisor);
  const int64_t remainder = high - floor_div * divisor;
  const int64_t threshold = divisor / 2 - 1 + (high < 0 ? 1 : 0);
  return static_cast<int32_t>(floor_div + (remainder > threshold ? 1 : 0));
}

int32_t reference_int8_score(const tflite::Graph& graph, const std::vector<double>& row) {
  std::vector<int32_t> q;
  for (double v : row) {
    const float scaled = static_cast<float>(v) / graph.input.scale;
    q.push_back(std::clamp(round_half_away(scaled) + graph.input.zero_point, -128, 127));
  }
  tflite::QuantParams in = graph.input;
  for (const tflite::DenseLayer& layer : graph.layers) {
    std::vector<int32_t> out(layer.outputs);
    for (size_t o = 0; o < layer.outputs; ++o) {
      int64_t acc = layer.bias_q[o];
      for (size_t i = 0; i < layer.inputs; ++i) {
        acc += int64_t{layer.weights_q[o * layer.inputs + i]} * (q[i] - in.zero_point);
      }
      const float w_scale = layer.weight_scales[layer.weight_scales.size() == 1 ? 0 : o];
      const double real = double{in.scale} * double{w_scale} / double{layer.output.scale};
      const int32_t lo = layer.activation == tflite::Activation::kRelu
                             ? std::max(-128, layer.output.zero_point)
                             : -128;
      out[o] = std::clamp(requantize(acc, real) + layer.output.zero_point, lo, 127);
    }
    q = out;
    in = layer.output;
  }
  const double x = double{in.scale * static_cast<float>(q[0] - in.zero_point)};
  const double p = 1.0 / (1.0 + std::exp(-x));
  return std::clamp(round_half_away(p * 256.0) - 128, -128, 127);
}

// The float graph's logit computed in float32 in TFLite's order (the sum from 0, the bias last),
// then the logistic in double.
double reference_float_score(const tflite::Graph& graph, const std::vector<double>& row) {
  std::vector<float> x(row.begin(), row.end());
  for (const tflite::DenseLayer& layer : graph.layers) {
    std::vector<float> y(layer.outputs);
    for (size_t o = 0; o < layer.outputs; ++o) {
      float sum = 0.0f;
      for (size_t i = 0; i < layer.inputs; ++i) sum += x[i] * layer.weights[o * layer.inputs + i];
      sum += layer.bias[o];
      y[o] = layer.activation == tflite::Activation::kRelu && sum < 0.0f ? 0.0f : sum;
    }
    x = y;
  }
  return 1.0 / (1.0 + std::exp(-double{x[0]}));
}

// A random int8 network whose activations stay inside the int8 range for inputs in [-6, 6]:
// weight scales make a typical accumulator about +-60 output quanta, and the logit's scale puts
// those 60 quanta at 4.0, where the logistic is far from saturated.
tflite::Graph random_int8_graph(const std::vector<size_t>& sizes, bool per_channel, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> weight(-127, 127);
  std::uniform_int_distribution<int32_t> bias(-3000, 3000);
  std::uniform_int_distribution<int32_t> zero_point(-20, 20);
  tflite::Graph graph;
  graph.type = tflite::TensorType::kInt8;
  graph.inputs = sizes.front();
  graph.input = {0.05f, zero_point(rng)};
  float input_scale = graph.input.scale;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    tflite::DenseLayer layer;
    layer.inputs = sizes[l];
    layer.outputs = sizes[l + 1];
    const bool last = l + 2 == sizes.size();
    layer.activation = last ? tflite::Activation::kNone : tflite::Activation::kRelu;
    layer.output = {last ? 4.0f / 60.0f : 0.05f, last ? 0 : zero_point(rng) - 100};
    for (size_t k = 0; k < layer.inputs * layer.outputs; ++k) {
      layer.weights_q.push_back(static_cast<int8_t>(weight(rng)));
    }
    const double typical = std::sqrt(static_cast<double>(layer.inputs)) * 73.0 * 60.0;
    const double multiplier = 60.0 / typical;
    for (size_t c = 0; c < (per_channel ? layer.outputs : 1); ++c) {
      layer.weight_scales.push_back(
          static_cast<float>(multiplier * layer.output.scale / input_scale *
                             (1.0 + 0.1 * static_cast<double>(c % 7))));
    }
    for (size_t o = 0; o < layer.outputs; ++o) layer.bias_q.push_back(bias(rng));
    input_scale = layer.output.scale;
    graph.layers.push_back(std::move(layer));
  }
  return graph;
}

std::vector<std::vector<double>> small_rows(size_t count, size_t features, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> value(-6.0, 6.0);
  std::vector<std::vector<double>> rows(count, std::vector<double>(features));
  for (auto& row : rows) {
    for (double& v : row) v = value(rng);
  }
  return rows;
}

// Against the native model: float32 arithmetic costs little around small means, more at AI4I
// magnitudes (inputs near 300 K and 1500 rpm, the scaler folded into the first layer: sums of a
// few hundred lose ulps of 3e-5 that the 50-40 hidden layers carry to the score).
TEST(ModelScores, FloatModelsMatchTheNativeModelAndTheFloat32Graph) {
  struct Case {
    ml::Model model;
    const tt::Scales& scales;
    double native_tolerance;
  };
  const Case cases[] = {{tt::logistic_model(tt::kCentered), tt::kCentered, 1e-6},
                        {tt::mlp_model({50, 40}, tt::kCentered), tt::kCentered, 1e-5},
                        {tt::logistic_model(), tt::kAi4i, 1e-5},
                        {tt::mlp_model({50, 40}), tt::kAi4i, 1e-4}};
  for (const Case& c : cases) {
    const tflite::Graph graph = tt::float_graph(c.model);
    Runner runner(graph);
    ASSERT_EQ(runner.status(), Status::kOk) << status_message(runner.status());
    for (const auto& row : tt::raw_rows(500, c.scales)) {
      const float score = runner.score(row);
      // The same float32 logit; the portable exp within 1 ulp.
      ASSERT_NEAR(score, reference_float_score(graph, row), 2e-7) << graph.layers.size();
      ASSERT_NEAR(score, c.model.score(row), c.native_tolerance) << graph.layers.size();
    }
  }
}

TEST(ModelScores, Int8ModelsMatchTheIntegerReferenceExactly) {
  for (bool per_channel : {false, true}) {
    for (const std::vector<size_t>& sizes :
         {std::vector<size_t>{4, 1}, std::vector<size_t>{4, 8, 6, 1},
          std::vector<size_t>{4, 50, 40, 1}}) {
      const tflite::Graph graph = random_int8_graph(sizes, per_channel, 17 + sizes.size());
      Runner runner(graph);
      ASSERT_EQ(runner.status(), Status::kOk) << status_message(runner.status());
      std::set<int32_t> seen;
      for (const auto& row : small_rows(500, sizes.front(), 23)) {
        const int32_t expected = reference_int8_score(graph, row);
        ASSERT_EQ(runner.score(row), static_cast<float>(expected + 128) / 256.0f)
            << per_channel << " " << sizes.size();
        seen.insert(expected);
      }
      EXPECT_GT(seen.size(), 40u) << "the rows should exercise many scores";
    }
  }
}

TEST(ModelScores, RawInt8IoGivesTheSameScores) {
  const tflite::Graph graph = random_int8_graph({4, 8, 6, 1}, false, 3);
  Runner float_io(graph);
  Runner int8_io(graph, {.int8_io = true});
  ASSERT_EQ(float_io.status(), Status::kOk);
  ASSERT_EQ(int8_io.status(), Status::kOk);
  ASSERT_EQ(int8_io.interpreter().input(0).type, TensorType::kInt8);
  ASSERT_EQ(int8_io.interpreter().output(0).type, TensorType::kInt8);
  for (const auto& row : small_rows(200, 4, 5)) {
    ASSERT_EQ(float_io.score(row), int8_io.score(row));
  }
}

TEST(ModelScores, ArenaWithinTheDeviceBudgets) {
  // Goals: logistic regression <= 1 KB of arena, int8 MLP 4-50-40-1 <= 4 KB.
  Runner lr(random_int8_graph({4, 1}, false, 1));
  Runner mlp(random_int8_graph({4, 50, 40, 1}, false, 1));
  ASSERT_EQ(lr.status(), Status::kOk);
  ASSERT_EQ(mlp.status(), Status::kOk);
  EXPECT_LE(lr.interpreter().arena_used(), 1024u);
  EXPECT_LE(mlp.interpreter().arena_used(), 4096u);
}

TEST(ModelScores, MetadataTravelsWithTheModel) {
  const ml::Model model = tt::logistic_model();
  Runner runner(tt::float_graph(model));
  ASSERT_EQ(runner.status(), Status::kOk);
  const uint8_t* data = nullptr;
  size_t size = 0;
  ASSERT_EQ(runner.interpreter().metadata(std::string(tflite::kMetadataName).c_str(), &data, &size),
            Status::kOk);
  auto metadata =
      tflite::metadata_from_json(std::string_view(reinterpret_cast<const char*>(data), size));
  ASSERT_TRUE(metadata) << metadata.error().message();
  EXPECT_EQ(metadata->feature_names, model.metadata().feature_names);
}

}  // namespace
}  // namespace aiotops::micro
