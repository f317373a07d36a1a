// The fused linear chain (match_linear_chain, run_linear_chain) against the same operators run
// one by one by run_ops: after every inference the two arenas, laid out by the same plan, must
// hold the same bytes — the graph's output and every tensor on the way.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "micro/graph_plan.h"
#include "micro/interpreter.h"
#include "micro/prepare.h"
#include "micro/prepared_op.h"
#include "micro/test_model.h"
#include "tflite/test_models.h"
#include "tflite/writer.h"

namespace aiotops::micro {
namespace {

namespace tt = tflite::testing;
using testing::AlignedModel;

// A model's operators prepared in an arena of their own and run by run_ops, never fused.
class Unfused {
 public:
  explicit Unfused(const AlignedModel& model) {
    status_ = plan_graph(model.data(), model.size(), &plan_);
    if (status_ != Status::kOk) return;
    arena_ = std::vector<Chunk>(plan_.arena_bytes / sizeof(Chunk) + 1);
    for (size_t i = 0; i < plan_.op_count; ++i) {
      prepare_op(plan_, plan_.ops[i], arena(), &ops_[i]);
    }
  }
  Status status() const { return status_; }
  const PreparedOp* ops() const { return ops_; }
  size_t op_count() const { return plan_.op_count; }
  size_t arena_bytes() const { return plan_.arena_bytes; }
  uint8_t* arena() { return reinterpret_cast<uint8_t*>(arena_.data()); }
  TensorView input() { return activation_view(plan_, plan_.inputs[0], arena()); }
  void run() { run_ops(ops_, plan_.op_count); }

 private:
  struct alignas(16) Chunk {
    uint8_t bytes[16];
  };
  GraphPlan plan_;
  PreparedOp ops_[kMaxOperators];
  std::vector<Chunk> arena_;
  Status status_ = Status::kOk;
};

// One model loaded twice: by the interpreter (fused when it is a chain) and by Unfused.
class Pair {
 public:
  explicit Pair(const std::string& bytes)
      : model_(bytes), arena_(std::string(4096, '\0')), unfused_(model_) {
    status_ = interpreter_.init(model_.data(), model_.size(), arena_.data(), 4096);
  }
  Status status() const { return status_ == Status::kOk ? unfused_.status() : status_; }
  Unfused& unfused() { return unfused_; }
  TensorView input() const { return interpreter_.input(0); }

  // Writes the same input bytes into both, runs both; true when the arenas then hold the same
  // bytes. *score: the interpreter's output as a real value.
  bool same_after(const void* input, float* score) {
    const TensorView view = interpreter_.input(0);
    const size_t bytes = view.elements * element_size(view.type);
    std::memcpy(view.data, input, bytes);
    std::memcpy(unfused_.input().data, input, bytes);
    EXPECT_EQ(interpreter_.invoke(), Status::kOk);
    unfused_.run();
    EXPECT_EQ(interpreter_.get_output(0, score, 1), Status::kOk);
    return std::memcmp(arena_.data(), unfused_.arena(), unfused_.arena_bytes()) == 0;
  }

 private:
  AlignedModel model_;
  AlignedModel arena_;  // 16-aligned: the same offsets as Unfused's
  Interpreter interpreter_;
  Unfused unfused_;
  Status status_ = Status::kOk;
};

std::string write(const tflite::Graph& graph, bool int8_io) {
  auto bytes = tflite::write_tflite(graph, {.int8_io = int8_io});
  EXPECT_TRUE(bytes) << bytes.error().message();
  return bytes ? *bytes : std::string();
}

// Logistic regression on four features as `aiotops quantize` lays it out, with quantization
// parameters that spread the rows over many int8 logits: with the scaler kept as the float32
// standardization (`standardized`) or folded into the int8 layer, on the first `features` inputs.
tflite::Graph int8_logistic_regression(bool standardized, bool per_channel, size_t features = 4) {
  const ml::Model model = tt::logistic_model(tt::kCentered);
  tflite::Graph graph = tt::int8_graph(
      tt::float_graph(model, standardized ? tt::unfolded() : tflite::LowerOptions{}), per_channel);
  graph.input = {standardized ? 0.03f : 1.0f, standardized ? -3 : 0};
  graph.layers[0].output = {standardized ? 0.03f : 0.06f, 5};
  graph.inputs = features;
  graph.layers[0].inputs = features;
  graph.layers[0].weights_q.resize(features);
  graph.metadata.feature_names.resize(features);
  for (auto* values : {&graph.standardize.mean, &graph.standardize.scale,
                       &graph.metadata.training_min, &graph.metadata.training_max}) {
    if (!values->empty()) values->resize(features);
  }
  return graph;
}

// Raw readings: around the training distribution, far outside it, and the values that test
// every branch of QUANTIZE (NaN, infinities, -0, subnormals, the largest floats).
std::vector<float> float_rows(size_t rows, size_t features, uint64_t seed) {
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            0.0f,
                            -0.0f,
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::max(),
                            1e30f,
                            -1e30f};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> k(-12.0, 12.0);
  std::vector<float> values;
  const auto& scales = tt::kCentered;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < features; ++i) {
      if (rng() % 16 == 0) {
        values.push_back(specials[rng() % std::size(specials)]);
      } else {
        values.push_back(static_cast<float>(scales.mean[i] + k(rng) * scales.scale[i]));
      }
    }
  }
  return values;
}

void expect_chain(Pair& pair, bool standardize, bool quantize, bool dequantize) {
  LinearChain chain;
  ASSERT_TRUE(match_linear_chain(pair.unfused().ops(), pair.unfused().op_count(), &chain));
  EXPECT_EQ(chain.standardize, standardize);
  EXPECT_EQ(chain.quantize, quantize);
  EXPECT_EQ(chain.dequantize, dequantize);
}

TEST(LinearChain, FloatInputGivesTheUnfusedBitsOnEveryTensor) {
  // Four features: the registers-only path on x86-64; three: the kernels' calls.
  for (size_t features : {4u, 3u}) {
    for (bool standardized : {true, false}) {
      for (bool per_channel : {false, true}) {
        Pair pair(write(int8_logistic_regression(standardized, per_channel, features), false));
        ASSERT_EQ(pair.status(), Status::kOk) << status_message(pair.status());
        expect_chain(pair, standardized, true, true);
        const std::vector<float> rows = float_rows(4000, features, 7 + features);
        std::set<float> scores;
        for (size_t r = 0; r < 4000; ++r) {
          float score = 0.0f;
          ASSERT_TRUE(pair.same_after(&rows[r * features], &score))
              << "row " << r << ", " << features << " features, standardized " << standardized;
          scores.insert(score);
        }
        EXPECT_GT(scores.size(), 100u) << "the rows should reach many of the 256 scores";
      }
    }
  }
}

TEST(LinearChain, Int8InputGivesTheUnfusedBitsOnEveryTensor) {
  for (size_t features : {4u, 3u}) {
    Pair pair(write(int8_logistic_regression(true, false, features), true));
    ASSERT_EQ(pair.status(), Status::kOk) << status_message(pair.status());
    expect_chain(pair, false, false, false);
    std::mt19937_64 rng(5);
    std::set<float> scores;
    std::vector<int8_t> row(features);
    // Every int8 value in every position, the others random; then random rows.
    for (size_t i = 0; i < features; ++i) {
      for (int value = -128; value <= 127; ++value) {
        for (int8_t& v : row) v = static_cast<int8_t>(rng());
        row[i] = static_cast<int8_t>(value);
        float score = 0.0f;
        ASSERT_TRUE(pair.same_after(row.data(), &score)) << "feature " << i << " = " << value;
        scores.insert(score);
      }
    }
    for (int r = 0; r < 20000; ++r) {
      for (int8_t& v : row) v = static_cast<int8_t>(rng());
      float score = 0.0f;
      ASSERT_TRUE(pair.same_after(row.data(), &score)) << "random row " << r;
      scores.insert(score);
    }
    EXPECT_GT(scores.size(), 150u);
  }
}

TEST(LinearChain, HandBuiltModelWithoutStandardization) {
  // QUANTIZE -> FULLY_CONNECTED -> LOGISTIC -> DEQUANTIZE on two features.
  Pair pair(testing::build_model(testing::int8_logistic_regression()));
  ASSERT_EQ(pair.status(), Status::kOk) << status_message(pair.status());
  expect_chain(pair, false, true, true);
  const float features[] = {1.0f, 2.0f};
  float score = 0.0f;
  ASSERT_TRUE(pair.same_after(features, &score));
  EXPECT_EQ(score, 0.59765625f);  // the interpreter test's hand-computed score
}

TEST(LinearChain, OtherGraphsRunOperatorByOperator) {
  const tflite::Graph mlp = tt::int8_graph(tt::float_graph(tt::mlp_model({8})), false);
  const tflite::Graph float_lr = tt::float_graph(tt::logistic_model());
  for (const std::string& bytes : {write(mlp, false), write(mlp, true), write(float_lr, false)}) {
    Pair pair(bytes);
    ASSERT_EQ(pair.status(), Status::kOk) << status_message(pair.status());
    LinearChain chain;
    chain.dequantize = true;
    EXPECT_FALSE(match_linear_chain(pair.unfused().ops(), pair.unfused().op_count(), &chain));
    EXPECT_TRUE(chain.dequantize) << "untouched when there is no match";
  }
  // A chain with an operator missing or one too many.
  Pair lr(write(int8_logistic_regression(true, false), false));
  ASSERT_EQ(lr.status(), Status::kOk);
  const PreparedOp* ops = lr.unfused().ops();
  LinearChain chain;
  EXPECT_FALSE(match_linear_chain(ops, 2, &chain));     // standardize, quantize
  EXPECT_TRUE(match_linear_chain(ops + 1, 4, &chain));  // no standardization: still a chain
  EXPECT_FALSE(chain.standardize);
  PreparedOp skipped[4] = {ops[0], ops[2], ops[3], ops[4]};  // no QUANTIZE after the float layer
  EXPECT_FALSE(match_linear_chain(skipped, 4, &chain));
  PreparedOp twice[5] = {ops[1], ops[2], ops[3], ops[4], ops[4]};
  EXPECT_FALSE(match_linear_chain(twice, 5, &chain));
}

}  // namespace
}  // namespace aiotops::micro
