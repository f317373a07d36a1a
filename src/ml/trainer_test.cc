#include "ml/trainer.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "ml/test_data.h"

namespace aiotops::ml {
namespace {

using telemetry::Dataset;
using testing::make_linear_data;

// A dataset from synthetic rows: features raw = 5 * x + 20, devices "m0".."m3" round-robin.
Dataset make_dataset(size_t rows, double bias, uint64_t seed, bool separable = false) {
  const auto data = make_linear_data(rows, {1.5, -1.0, 0.5}, bias, separable, seed);
  Dataset dataset;
  dataset.feature_names = {"current", "temperature", "vibration"};
  dataset.label_name = "fault";
  for (size_t r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < 3; ++c) {
      dataset.features.push_back(5 * data.x(static_cast<Eigen::Index>(r), c) + 20);
    }
    dataset.labels.push_back(data.labels[r]);
    dataset.device_ids.push_back(fmt::format("m{}", r % 4));
  }
  return dataset;
}

TrainOptions options_for(ModelKind kind) {
  TrainOptions options;
  options.kind = kind;
  options.seed = 3;
  options.tool_version = "0.1.0";
  options.created = "2025-01-31T12:00:00Z";
  options.mlp.hidden = {8};
  options.mlp.max_epochs = 30;
  return options;
}

void expect_error(const Result<TrainReport>& report, ErrorCode code, const std::string& text) {
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code(), code);
  EXPECT_NE(report.error().message().find(text), std::string::npos)
      << "expected '" << text << "' in: " << report.error().message();
}

class TrainEveryKindTest : public ::testing::TestWithParam<ModelKind> {};

TEST_P(TrainEveryKindTest, SplitsMeasuresAndRoundTrips) {
  const Dataset dataset = make_dataset(2000, -0.5, 1);
  TrainOptions options = options_for(GetParam());
  options.split.validation_fraction = 0.2;
  options.split.test_fraction = 0.2;
  auto report = train_model(dataset, options);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  const ModelMetadata& m = report->model.metadata();
  EXPECT_EQ(m.training.train_rows + m.training.validation_rows + m.training.test_rows, 2000u);
  EXPECT_EQ(m.training.validation_rows, report->split.validation.size());
  EXPECT_EQ(m.threshold.chosen_on, "validation");
  EXPECT_EQ(m.threshold.rule, "max-f1");
  for (const char* part : {"train", "validation", "test"}) {
    ASSERT_TRUE(m.metrics.contains(part)) << part;
    EXPECT_GT(m.metrics[part]["roc_auc"].get<double>(), 0.75) << part;
    EXPECT_EQ(m.metrics[part]["threshold"].get<double>(), m.threshold.value);
  }
  EXPECT_EQ(m.metrics["test"]["rows"].get<size_t>(), report->split.test.size());
  EXPECT_EQ(m.training.dataset_sha256.size(), 64u);
  EXPECT_GE(report->fit_seconds, 0.0);
  auto loaded = model_from_json(nlohmann::json::parse(model_to_json(report->model).dump()));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  for (size_t r = 0; r < 20; ++r) {
    EXPECT_EQ(loaded->score(dataset.row(r)), report->model.score(dataset.row(r)));
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, TrainEveryKindTest,
                         ::testing::Values(ModelKind::kLogistic, ModelKind::kLinearSvm,
                                           ModelKind::kNaiveBayes, ModelKind::kMlp),
                         [](const auto& info) {
                           std::string name(to_string(info.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(TrainerTest, ScalerIsFittedOnTheTrainingPartOnly) {
  const Dataset dataset = make_dataset(500, 0.0, 2);
  TrainOptions options = options_for(ModelKind::kLogistic);
  options.split.test_fraction = 0.3;
  auto report = train_model(dataset, options);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  double sum = 0;
  for (size_t r : report->split.train) sum += dataset.at(r, 0);
  EXPECT_NEAR(report->model.scaler().mean()(0), sum / report->split.train.size(), 1e-9);
  EXPECT_EQ(report->model.metadata().threshold.chosen_on, "train");
}

TEST(TrainerTest, FeatureRangesComeFromTheTrainingPartOnly) {
  const Dataset dataset = make_dataset(500, 0.0, 2);
  TrainOptions options = options_for(ModelKind::kLogistic);
  options.split.test_fraction = 0.3;
  auto report = train_model(dataset, options);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  const auto& ranges = report->model.metadata().training.feature_ranges;
  ASSERT_EQ(ranges.size(), dataset.cols());
  for (size_t c = 0; c < dataset.cols(); ++c) {
    double min = dataset.at(report->split.train[0], c);
    double max = min;
    for (size_t r : report->split.train) {
      min = std::min(min, dataset.at(r, c));
      max = std::max(max, dataset.at(r, c));
    }
    EXPECT_EQ(ranges[c].min, min) << c;
    EXPECT_EQ(ranges[c].max, max) << c;
  }
}

TEST(TrainerTest, WithoutSplitFlagsEveryRowTrains) {
  const Dataset dataset = make_dataset(300, 0.0, 3);
  auto report = train_model(dataset, options_for(ModelKind::kLogistic));
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->split.train.size(), 300u);
  EXPECT_TRUE(report->split.test.empty());
  EXPECT_FALSE(report->model.metadata().metrics.contains("test"));
}

TEST(TrainerTest, BalancedClassWeightsRaiseScoresOfTheRareClass) {
  const Dataset dataset = make_dataset(3000, -3.0, 4);  // about 10% positives
  TrainOptions options = options_for(ModelKind::kLogistic);
  auto plain = train_model(dataset, options);
  options.class_weight = ClassWeight::kBalanced;
  auto balanced = train_model(dataset, options);
  ASSERT_TRUE(plain.has_value() && balanced.has_value());
  double plain_mean = 0, balanced_mean = 0;
  for (size_t r = 0; r < dataset.rows(); ++r) {
    plain_mean += plain->model.score(dataset.row(r)) / 3000;
    balanced_mean += balanced->model.score(dataset.row(r)) / 3000;
  }
  EXPECT_LT(plain_mean, 0.2);
  EXPECT_GT(balanced_mean, 0.35);
  EXPECT_EQ(balanced->model.metadata().training.options["class_weight"], "balanced");
}

TEST(TrainerTest, TargetRecallRuleReachesTheTarget) {
  const Dataset dataset = make_dataset(1000, 0.0, 5);
  TrainOptions options = options_for(ModelKind::kLogistic);
  options.threshold_rule = ThresholdRule::kTargetRecall;
  options.target_recall = 0.95;
  auto report = train_model(dataset, options);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_GE(report->model.metadata().metrics["train"]["recall"].get<double>(), 0.95);
  EXPECT_EQ(report->model.metadata().threshold.target_recall, 0.95);
}

TEST(TrainerTest, HeldOutDevicesFormTheTestPart) {
  const Dataset dataset = make_dataset(800, 0.0, 6);
  TrainOptions options = options_for(ModelKind::kLogistic);
  options.split.holdout_devices = {"m2"};
  options.split.validation_fraction = 0.25;
  auto report = train_model(dataset, options);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->split.test.size(), 200u);
  for (size_t r : report->split.test) EXPECT_EQ(dataset.device_ids[r], "m2");
  for (size_t r : report->split.train) EXPECT_NE(dataset.device_ids[r], "m2");
  EXPECT_EQ(report->split.validation.size(), 150u);
  EXPECT_EQ(report->split.train.size(), 450u);
}

TEST(TrainerTest, CrossValidationReportsFoldsThenTrainsOnEveryRow) {
  const Dataset dataset = make_dataset(600, 0.0, 7);
  TrainOptions options = options_for(ModelKind::kNaiveBayes);
  options.split.cv_folds = 4;
  auto report = train_model(dataset, options);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  const auto& cv = report->model.metadata().metrics["cross_validation"];
  EXPECT_EQ(cv["folds"], 4);
  ASSERT_EQ(cv["per_fold"].size(), 4u);
  size_t rows = 0;
  for (const auto& fold : cv["per_fold"]) rows += fold["rows"].get<size_t>();
  EXPECT_EQ(rows, 600u);
  EXPECT_GT(cv["mean"]["roc_auc"].get<double>(), 0.75);
  EXPECT_EQ(report->model.metadata().training.train_rows, 600u);
}

TEST(TrainerTest, BadInputIsAClearError) {
  Dataset one_class = make_dataset(50, 0.0, 8);
  std::fill(one_class.labels.begin(), one_class.labels.end(), 0.0);
  expect_error(train_model(one_class, options_for(ModelKind::kLogistic)),
               ErrorCode::kInvalidArgument, "is 0 in all 50 rows: training needs both classes");

  const Dataset few = make_dataset(9, 0.0, 9);
  expect_error(train_model(few, options_for(ModelKind::kLogistic)), ErrorCode::kInvalidArgument,
               "too few rows: 9 given, training needs at least 10");

  Dataset bad_label = make_dataset(50, 0.0, 10);
  bad_label.labels[2] = 2;
  expect_error(train_model(bad_label, options_for(ModelKind::kLogistic)),
               ErrorCode::kInvalidArgument, "label 'fault' is 2 in data row 3");

  Dataset constant = make_dataset(50, 0.0, 11);
  for (size_t r = 0; r < constant.rows(); ++r) constant.features[r * 3 + 1] = 36.6;
  expect_error(train_model(constant, options_for(ModelKind::kLogistic)),
               ErrorCode::kInvalidArgument,
               "feature 'temperature' is constant in the training data");

  Dataset unlabelled = make_dataset(50, 0.0, 12);
  unlabelled.labels.clear();
  expect_error(train_model(unlabelled, options_for(ModelKind::kLogistic)),
               ErrorCode::kInvalidArgument, "no label column");
}

TEST(TrainerTest, ConflictingSplitOptionsAreRejected) {
  const Dataset dataset = make_dataset(100, 0.0, 13);
  TrainOptions cv = options_for(ModelKind::kLogistic);
  cv.split.cv_folds = 5;
  cv.split.test_fraction = 0.2;
  expect_error(train_model(dataset, cv), ErrorCode::kInvalidArgument, "cannot be combined");

  TrainOptions devices = options_for(ModelKind::kLogistic);
  devices.split.holdout_devices = {"m1"};
  devices.split.test_fraction = 0.2;
  expect_error(train_model(dataset, devices), ErrorCode::kInvalidArgument, "test fraction");

  devices.split.test_fraction = 0;
  devices.split.holdout_devices = {"m9"};
  expect_error(train_model(dataset, devices), ErrorCode::kNotFound, "m9");

  Dataset no_devices = dataset;
  no_devices.device_ids.clear();
  devices.split.holdout_devices = {"m1"};
  expect_error(train_model(no_devices, devices), ErrorCode::kInvalidArgument, "deviceID");
}

TEST(TrainerTest, OptionNamesParse) {
  EXPECT_EQ(parse_class_weight("balanced").value(), ClassWeight::kBalanced);
  EXPECT_EQ(parse_class_weight("none").value(), ClassWeight::kNone);
  EXPECT_FALSE(parse_class_weight("auto").has_value());
  EXPECT_EQ(parse_threshold_rule("max-f1").value(), ThresholdRule::kMaxF1);
  EXPECT_EQ(parse_threshold_rule("target-recall").value(), ThresholdRule::kTargetRecall);
  EXPECT_FALSE(parse_threshold_rule("youden").has_value());
}

}  // namespace
}  // namespace aiotops::ml
