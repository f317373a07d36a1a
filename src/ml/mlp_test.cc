#include "ml/mlp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "ml/metrics.h"

namespace aiotops::ml {
namespace {

using ::testing::HasSubstr;

double uniform(std::mt19937_64& rng, double low, double high) {
  return low + (high - low) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

double normal(std::mt19937_64& rng) {
  // Box-Muller on our own uniforms, so the data is the same on every standard library.
  const double u = uniform(rng, 0x1.0p-53, 1.0);
  const double v = uniform(rng, 0.0, 1.0);
  return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
}

struct Data {
  Matrix x;
  std::vector<double> y;
};

// Two features in [-1, 1]^2, label = the two share a sign: no line separates the classes.
Data xor_data(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Data d{Matrix(rows, 2), std::vector<double>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    d.x(r, 0) = uniform(rng, -1, 1);
    d.x(r, 1) = uniform(rng, -1, 1);
    d.y[r] = d.x(r, 0) * d.x(r, 1) > 0 ? 1 : 0;
  }
  return d;
}

double true_logit(double a, double b) { return 2 * a - b; }

// Standard normal features; the label is drawn with P(1) = sigmoid(2 x0 - x1): heavy overlap.
Data noisy_data(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Data d{Matrix(rows, 2), std::vector<double>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    d.x(r, 0) = normal(rng);
    d.x(r, 1) = normal(rng);
    const double p = 1 / (1 + std::exp(-true_logit(d.x(r, 0), d.x(r, 1))));
    d.y[r] = uniform(rng, 0, 1) < p ? 1 : 0;
  }
  return d;
}

std::unique_ptr<Classifier> train(const Data& d, const MlpOptions& options,
                                  const Data* validation = nullptr,
                                  const ProgressCallback& progress = {},
                                  std::span<const double> weights = {}) {
  auto model = train_mlp(d.x, d.y, weights, options, validation ? &validation->x : nullptr,
                         validation ? std::span<const double>(validation->y) : std::span<double>(),
                         progress);
  EXPECT_TRUE(model.has_value()) << model.error().message();
  return std::move(*model);
}

double test_auc(const Classifier& model, const Data& test) {
  const Vector p = model.predict_proba_batch(test.x);
  return roc_auc(std::span(p.data(), p.size()), test.y).value();
}

const MlpClassifier& as_mlp(const Classifier& model) {
  return dynamic_cast<const MlpClassifier&>(model);
}

MlpOptions small_options() {
  MlpOptions options;
  options.hidden = {16, 16};
  options.batch_size = 50;
  options.learning_rate = 0.01;
  options.max_epochs = 150;
  return options;
}

TEST(MlpTest, FitsXorThatLogisticRegressionCannot) {
  const Data train_set = xor_data(800, 1);
  const Data test_set = xor_data(500, 2);
  MlpOptions options = small_options();
  options.max_epochs = 80;
  const auto mlp = train(train_set, options);
  EXPECT_GT(test_auc(*mlp, test_set), 0.95);

  options.hidden = {};  // logistic regression: a linear score cannot rank XOR
  const auto linear = train(train_set, options);
  EXPECT_LT(test_auc(*linear, test_set), 0.65);
  EXPECT_EQ(linear->parameter_count(), 3u);
}

TEST(MlpTest, NoisyDataGivesSensibleProbabilities) {
  const Data train_set = noisy_data(2000, 3);
  const Data test_set = noisy_data(2000, 4);
  MlpOptions options = small_options();
  options.max_epochs = 40;
  const auto model = train(train_set, options);

  std::vector<double> true_scores;
  for (Eigen::Index r = 0; r < test_set.x.rows(); ++r) {
    true_scores.push_back(1 / (1 + std::exp(-true_logit(test_set.x(r, 0), test_set.x(r, 1)))));
  }
  const double best_auc = roc_auc(true_scores, test_set.y).value();
  EXPECT_GT(test_auc(*model, test_set), best_auc - 0.02);

  const Vector p = model->predict_proba_batch(test_set.x);
  const double base_rate =
      std::accumulate(test_set.y.begin(), test_set.y.end(), 0.0) / test_set.y.size();
  EXPECT_NEAR(p.mean(), base_rate, 0.05);
  EXPECT_LT(log_loss(std::span(p.data(), p.size()), test_set.y).value(), 0.5);
  EXPECT_GT(p.minCoeff(), 0.0);
  EXPECT_LT(p.maxCoeff(), 1.0);
}

TEST(MlpTest, SameSeedGivesTheSameWeightsBitForBit) {
  const Data d = noisy_data(300, 5);
  MlpOptions options = small_options();
  options.max_epochs = 5;
  options.batch_size = 32;  // leaves a partial last batch
  const auto a = train(d, options);
  const auto b = train(d, options);
  const auto a_params = as_mlp(*a).parameters();
  const auto b_params = as_mlp(*b).parameters();
  EXPECT_TRUE(std::equal(a_params.begin(), a_params.end(), b_params.begin(), b_params.end()));

  options.seed = 1;
  const auto c = train(d, options);
  const auto c_params = as_mlp(*c).parameters();
  EXPECT_FALSE(std::equal(a_params.begin(), a_params.end(), c_params.begin(), c_params.end()));
}

TEST(MlpTest, EarlyStoppingReturnsTheBestValidationWeights) {
  // A wide network on 60 noisy rows overfits: validation loss falls, then rises.
  const Data train_set = noisy_data(60, 6);
  const Data validation = noisy_data(400, 7);
  MlpOptions options;
  options.hidden = {64, 64};
  options.batch_size = 20;
  options.learning_rate = 0.01;
  options.l2 = 0;
  options.min_delta = 0;
  options.patience = 15;
  options.max_epochs = 500;
  std::vector<Progress> epochs;
  const auto model =
      train(train_set, options, &validation, [&](const Progress& p) { epochs.push_back(p); });

  ASSERT_FALSE(epochs.empty());
  EXPECT_LT(epochs.size(), options.max_epochs) << "training should have stopped early";
  const auto best = std::min_element(epochs.begin(), epochs.end(), [](auto& a, auto& b) {
    return a.validation_loss < b.validation_loss;
  });
  EXPECT_EQ(epochs.size() - (best - epochs.begin() + 1), options.patience);
  EXPECT_GT(epochs.back().validation_loss, best->validation_loss);

  const auto returned = mlp_objective(as_mlp(*model), validation.x, validation.y, {}, 0.0);
  ASSERT_TRUE(returned.has_value()) << returned.error().message();
  EXPECT_NEAR(returned->loss, best->validation_loss, 1e-12);
  for (size_t i = 0; i < epochs.size(); ++i) {
    EXPECT_EQ(epochs[i].epoch, i + 1);
    EXPECT_EQ(epochs[i].max_epochs, options.max_epochs);
    EXPECT_TRUE(std::isfinite(epochs[i].train_loss));
  }
}

TEST(MlpTest, StopsOnATrainingLossPlateauWithoutValidation) {
  const Data d = noisy_data(200, 8);
  MlpOptions options = small_options();
  options.min_delta = 10;  // no epoch can improve the loss by 10 nats
  options.patience = 3;
  std::vector<Progress> epochs;
  train(d, options, nullptr, [&](const Progress& p) { epochs.push_back(p); });
  ASSERT_EQ(epochs.size(), 4u);  // the first epoch sets the best, three more fail to beat it
  EXPECT_TRUE(std::isnan(epochs.back().validation_loss));
  EXPECT_LE(epochs.front().elapsed_seconds, epochs.back().elapsed_seconds);
}

TEST(MlpTest, SampleWeightsShiftTheModel) {
  const Data d = noisy_data(400, 9);
  MlpOptions options = small_options();
  options.max_epochs = 10;
  const auto plain = train(d, options);

  const std::vector<double> constant(d.y.size(), 3.0);  // normalised to mean 1: no change
  const auto same = train(d, options, nullptr, {}, constant);
  const auto p1 = as_mlp(*plain).parameters();
  const auto p2 = as_mlp(*same).parameters();
  EXPECT_TRUE(std::equal(p1.begin(), p1.end(), p2.begin(), p2.end()));

  std::vector<double> favour_faults;
  for (double y : d.y) favour_faults.push_back(y == 1 ? 5.0 : 1.0);
  const auto weighted = train(d, options, nullptr, {}, favour_faults);
  EXPECT_GT(weighted->predict_proba_batch(d.x).mean(),
            plain->predict_proba_batch(d.x).mean() + 0.1);
}

TEST(MlpTest, JsonRoundTripGivesIdenticalProbabilities) {
  const Data d = noisy_data(300, 10);
  MlpOptions options = small_options();
  options.hidden = {5, 3};
  options.max_epochs = 3;
  const auto model = train(d, options);
  const nlohmann::json json = model->parameters_to_json();
  ASSERT_EQ(json["layers"].size(), 3u);
  EXPECT_EQ(json["layers"][0]["activation"], "relu");
  EXPECT_EQ(json["layers"][1]["inputs"], 5);
  EXPECT_EQ(json["layers"][1]["outputs"], 3);
  EXPECT_EQ(json["layers"][1]["weights"].size(), 15u);
  EXPECT_EQ(json["layers"][2]["activation"], "sigmoid");

  auto loaded = mlp_from_json(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ((*loaded)->kind(), ModelKind::kMlp);
  EXPECT_EQ((*loaded)->parameters_to_json(), json);
  for (Eigen::Index r = 0; r < d.x.rows(); ++r) {
    const std::span<const double> row(d.x.row(r).data(), 2);
    EXPECT_EQ((*loaded)->predict_proba(row), model->predict_proba(row));
  }
  EXPECT_EQ((*loaded)->predict_proba_batch(d.x), model->predict_proba_batch(d.x));
}

TEST(MlpTest, SingleRowAndBatchPredictionsAgree) {
  const Data d = noisy_data(1100, 11);  // more rows than one prediction block
  MlpOptions options = small_options();
  options.max_epochs = 2;
  const auto model = train(d, options);
  const Vector batch = model->predict_proba_batch(d.x);
  ASSERT_EQ(batch.size(), d.x.rows());
  for (Eigen::Index r = 0; r < d.x.rows(); ++r) {
    EXPECT_NEAR(model->predict_proba(std::span(d.x.row(r).data(), 2)), batch[r], 1e-14);
  }
  const std::vector<double> short_row{1.0};
  EXPECT_TRUE(std::isnan(model->predict_proba(short_row)));
  EXPECT_TRUE(model->predict_proba_batch(Matrix::Zero(3, 5)).array().isNaN().all());
}

TEST(MlpTest, ConcurrentPredictionsMatchSerialOnes) {
  const Data d = noisy_data(400, 12);
  MlpOptions options = small_options();
  options.max_epochs = 2;
  const auto model = train(d, options);
  const Vector expected = model->predict_proba_batch(d.x);
  std::vector<Vector> results(4, Vector(d.x.rows()));
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&] {
      for (Eigen::Index r = 0; r < d.x.rows(); ++r) {
        result[r] = model->predict_proba(std::span(d.x.row(r).data(), 2));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& result : results) EXPECT_TRUE(result.isApprox(expected, 1e-14));
}

TEST(MlpTest, ReferenceNetworkResourceFigures) {
  const std::vector<size_t> sizes{4, 50, 40, 1};
  auto model = MlpClassifier::create(sizes, std::vector<double>(4 * 50 + 50 + 50 * 40 + 40 + 41));
  ASSERT_TRUE(model.has_value()) << model.error().message();
  EXPECT_EQ((*model)->parameter_count(), 2331u);
  EXPECT_EQ((*model)->macs(), 2240u);
  EXPECT_EQ((*model)->num_features(), 4u);
  EXPECT_EQ((*model)->predict_proba(std::vector<double>{1, 2, 3, 4}), 0.5);
}

TEST(MlpTest, GradientMatchesFiniteDifferences) {
  std::mt19937_64 rng(13);
  const std::vector<size_t> sizes{3, 5, 4, 1};
  std::vector<double> params(3 * 5 + 5 + 5 * 4 + 4 + 4 + 1);
  for (double& p : params) p = uniform(rng, -1, 1);
  Matrix x(7, 3);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
  const std::vector<double> y{1, 0, 0, 1, 1, 0, 1};
  const std::vector<double> w{1, 2, 0.5, 1, 3, 1, 0.25};
  const double l2 = 0.3;
  const auto objective = [&](const std::vector<double>& p) {
    return mlp_objective(*MlpClassifier::create(sizes, p).value(), x, y, w, l2).value();
  };

  const MlpObjective analytic = objective(params);
  ASSERT_EQ(analytic.gradient.size(), params.size());
  const double h = 1e-6;
  double diff2 = 0, norm2 = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    std::vector<double> plus = params, minus = params;
    plus[i] += h;
    minus[i] -= h;
    const double numeric = (objective(plus).loss - objective(minus).loss) / (2 * h);
    diff2 += std::pow(numeric - analytic.gradient[i], 2);
    norm2 += std::pow(numeric, 2) + std::pow(analytic.gradient[i], 2);
  }
  EXPECT_GT(norm2, 1e-4);  // a non-trivial gradient
  EXPECT_LT(std::sqrt(diff2 / norm2), 1e-6);
}

TEST(MlpTest, ObjectiveIsWeightedCrossEntropyPlusPenalty) {
  // One input, no hidden layer: logit = 2 x - 1; weights 1 and 3 normalise to 0.5 and 1.5.
  auto model = MlpClassifier::create({1, 1}, {2.0, -1.0}).value();
  Matrix x(2, 1);
  x << 1.0, 0.0;
  const std::vector<double> y{1, 0};
  const auto objective = mlp_objective(*model, x, y, std::vector<double>{1, 3}, 0.5).value();
  const double ce1 = std::log1p(std::exp(-1.0));  // z = 1, y = 1
  const double ce2 = std::log1p(std::exp(-1.0));  // z = -1, y = 0
  EXPECT_NEAR(objective.loss, (0.5 * ce1 + 1.5 * ce2) / 2 + 0.5 / 4 * 4.0, 1e-15);
}

Error train_error(const Matrix& x, std::span<const double> y, const MlpOptions& options = {},
                  std::span<const double> weights = {}, const Matrix* xv = nullptr,
                  std::span<const double> yv = {}) {
  auto model = train_mlp(x, y, weights, options, xv, yv, {});
  EXPECT_FALSE(model.has_value());
  return model ? Error(ErrorCode::kInternal, "trained") : model.error();
}

TEST(MlpTest, RejectsBadTrainingInput) {
  const Data d = xor_data(10, 14);
  const auto expect_invalid = [](const Error& e, std::string_view text) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.message();
    EXPECT_THAT(e.message(), HasSubstr(text));
  };
  expect_invalid(train_error(Matrix(0, 2), {}), "at least one row");
  expect_invalid(train_error(d.x, std::span(d.y).first(9)), "labels has 9 entries for 10 rows");
  std::vector<double> bad = d.y;
  bad[4] = 2;
  expect_invalid(train_error(d.x, bad), "labels[4] is 2");
  expect_invalid(train_error(d.x, std::vector<double>(10, 1.0)), "both classes");
  Matrix nan_x = d.x;
  nan_x(3, 1) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(train_error(nan_x, d.y), "x row 3 column 1");
  std::vector<double> weights(10, 1.0);
  weights[2] = -1;
  expect_invalid(train_error(d.x, d.y, {}, weights), "sample_weights[2]");
  expect_invalid(train_error(d.x, d.y, {}, std::vector<double>(10, 0.0)), "all zero");
  expect_invalid(train_error(d.x, d.y, {}, std::vector<double>(3, 1.0)), "sample_weights has 3");

  MlpOptions options;
  options.hidden = {8, 0};
  expect_invalid(train_error(d.x, d.y, options), "hidden[1] is 0");
  options = {};
  options.batch_size = 0;
  expect_invalid(train_error(d.x, d.y, options), "batch_size");
  options = {};
  options.learning_rate = 0;
  expect_invalid(train_error(d.x, d.y, options), "learning_rate");
  options = {};
  options.beta2 = 1;
  expect_invalid(train_error(d.x, d.y, options), "beta2");
  options = {};
  options.patience = 0;
  expect_invalid(train_error(d.x, d.y, options), "patience");

  const Matrix wide = Matrix::Zero(4, 3);
  expect_invalid(train_error(d.x, d.y, {}, {}, &wide, std::vector<double>(4, 0.0)),
                 "x_validation is 4x3");
  expect_invalid(train_error(d.x, d.y, {}, {}, &d.x, std::span(d.y).first(2)),
                 "y_validation has 2 entries");
  expect_invalid(train_error(d.x, d.y, {}, {}, nullptr, d.y), "x_validation is null");
  expect_invalid(train_error(d.x, d.y, {}, {}, &d.x, bad), "y_validation[4] is 2");
}

TEST(MlpTest, ReportsDivergence) {
  const Data d = noisy_data(100, 15);
  MlpOptions options;
  options.hidden = {8};
  options.learning_rate = 1e300;
  options.epsilon = 1e-300;
  const Error e = train_error(d.x, d.y, options);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("(training loss is"));
}

TEST(MlpTest, FromJsonNamesTheCorruptField) {
  auto model = MlpClassifier::create({2, 3, 1}, std::vector<double>(13, 0.5)).value();
  const nlohmann::json good = model->parameters_to_json();
  const auto expect_corrupt = [](const nlohmann::json& json, std::string_view field) {
    auto loaded = MlpClassifier::from_json(json);
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(loaded.error().message(), HasSubstr(field));
  };
  expect_corrupt(nlohmann::json::array(), "layers");
  expect_corrupt({{"layers", nlohmann::json::array()}}, "layers");
  nlohmann::json j = good;
  j["layers"][1]["weights"].erase(0);
  expect_corrupt(j, "layers[1].weights: expected an array of 3 numbers");
  j = good;
  j["layers"][0]["biases"][2] = "x";
  expect_corrupt(j, "layers[0].biases[2]");
  j = good;
  j["layers"][0]["activation"] = "tanh";
  expect_corrupt(j, "layers[0].activation");
  j = good;
  j["layers"][1]["activation"] = "relu";
  expect_corrupt(j, "layers[1].activation: expected \"sigmoid\"");
  j = good;
  j["layers"][1]["inputs"] = 4;
  expect_corrupt(j, "layers[1].inputs: is 4 but the previous layer has 3 outputs");
  j = good;
  j["layers"][0]["outputs"] = -3;
  expect_corrupt(j, "layers[0].outputs");
  j = good;
  j["layers"][1]["outputs"] = 2;
  expect_corrupt(j, "layers[1].outputs: the output layer must have 1 output");
  j = good;
  j["layers"][0]["weights"][0] = std::numeric_limits<double>::infinity();
  expect_corrupt(j, "layers[0].weights[0]: expected a finite number");
  j = good;
  j["layers"][0].erase("inputs");
  expect_corrupt(j, "layers[0].inputs");
}

TEST(MlpTest, CreateChecksSizes) {
  EXPECT_FALSE(MlpClassifier::create({2, 3}, std::vector<double>(9)).has_value());
  EXPECT_FALSE(MlpClassifier::create({2, 0, 1}, {}).has_value());
  EXPECT_FALSE(MlpClassifier::create({2, 1}, std::vector<double>(4)).has_value());
  EXPECT_FALSE(MlpClassifier::create({2, 1}, {1.0, std::nan(""), 0.0}).has_value());
  EXPECT_TRUE(MlpClassifier::create({2, 1}, std::vector<double>(3)).has_value());
}

}  // namespace
}  // namespace aiotops::ml
