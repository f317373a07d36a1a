// Quantization end to end on the AI4I 2020 data: logistic regression and an MLP trained here,
// quantized, and scored through the .tflite writer and the inference core against the float model.

#include "quant/quantize_model.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ml/naive_bayes.h"
#include "ml/split.h"
#include "ml/trainer.h"
#include "quant/device_run.h"
#include "quant/qmodel.h"
#include "support/scratch_dir.h"
#include "telemetry/csv_reader.h"

namespace aiotops::quant {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Ai4i {
  telemetry::Dataset calibration;  // 70 % of each class: the training rows
  telemetry::Dataset eval;         // the other 30 %, held out
};

const Ai4i& ai4i() {
  static const Ai4i* data = [] {
    telemetry::ReadOptions options;
    options.features = {"Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
                        "Torque [Nm]", "Tool wear [min]"};
    options.label = "Machine failure";
    auto all = telemetry::read_dataset(fs::path(AIOTOPS_SHARED_DATA_DIR) / "ai4i2020.csv", options);
    if (!all) ADD_FAILURE() << all.error().message();
    auto split = ml::stratified_split(all->labels, 0.0, 0.3, /*seed=*/4);
    if (!split) ADD_FAILURE() << split.error().message();
    return new Ai4i{telemetry::select_rows(*all, split->train),
                    telemetry::select_rows(*all, split->test)};
  }();
  return *data;
}

const ml::Model& trained(ml::ModelKind kind) {
  static std::map<ml::ModelKind, std::unique_ptr<ml::Model>> models;
  auto& model = models[kind];
  if (!model) {
    ml::TrainOptions options;
    options.kind = kind;
    options.seed = 2;
    options.split.validation_fraction = 0.2;
    options.mlp.hidden = {16, 8};
    options.mlp.max_epochs = 40;
    auto report = ml::train_model(ai4i().calibration, options);
    if (!report) ADD_FAILURE() << report.error().message();
    model = std::make_unique<ml::Model>(std::move(report->model));
  }
  return *model;
}

EvalSet eval_set() { return {ai4i().eval.features, ai4i().eval.labels, "ai4i test split"}; }

Result<QuantizedModel> quantize(const ml::Model& model, const QuantizeModelOptions& options = {}) {
  return quantize_model(model, ai4i().calibration.features, eval_set(), options);
}

double auc_delta(const QuantReport& r, const VariantReport& v) {
  return v.metrics->roc_auc - r.float_metrics->roc_auc;
}

// The float model's scores on the held-out rows.
std::vector<double> float_scores(const ml::Model& model) {
  std::vector<double> scores;
  for (size_t r = 0; r < ai4i().eval.rows(); ++r) scores.push_back(model.score(ai4i().eval.row(r)));
  return scores;
}

// The report's numbers are those of the quantized graph on the inference core: scoring the graph
// again gives the reported max error, and every score is a multiple of 1/256 (LOGISTIC's int8
// output dequantized).
void expect_report_is_the_cores(const ml::Model& model, const QuantizedModel& q) {
  auto run = run_on_device_core(q.graph, ai4i().eval.features);
  ASSERT_TRUE(run.has_value()) << run.error().message();
  auto agreement = compare_scores(float_scores(model), run->scores, q.report.threshold);
  ASSERT_TRUE(agreement.has_value());
  EXPECT_EQ(agreement->max_abs_error, q.report.selected.agreement.max_abs_error);
  EXPECT_EQ(agreement->flips, q.report.selected.agreement.flips);
  for (double score : run->scores) EXPECT_EQ(score * 256, std::round(score * 256)) << score;
  EXPECT_EQ(run->arena_bytes, q.report.selected.arena_bytes);
}

TEST(QuantizeModelTest, LogisticRegressionInt8AgreesWithFloat) {
  const ml::Model& model = trained(ml::ModelKind::kLogistic);
  auto q = quantize(model);
  ASSERT_TRUE(q.has_value()) << q.error().message();
  const QuantReport& r = q->report;
  EXPECT_EQ(r.eval_rows, ai4i().eval.rows());
  EXPECT_LE(r.float_graph_max_abs_error, 1e-5);
  // Observed on this split: max |p_int8 - p_float| 0.028, mean 0.0017, 5 of 3000 decisions
  // flipped, ROC-AUC 0.8697 -> 0.8657, F1 0.400 -> 0.414.
  EXPECT_LT(r.selected.agreement.max_abs_error, 0.05);
  EXPECT_LT(r.selected.agreement.mean_abs_error, 0.005);
  EXPECT_LT(r.selected.agreement.flip_rate, 0.005);
  EXPECT_LT(std::abs(auc_delta(r, r.selected)), 0.01);
  EXPECT_TRUE(q->gate.passed);
  EXPECT_FALSE(q->gate.checked);
  expect_report_is_the_cores(model, *q);
}

TEST(QuantizeModelTest, MlpInt8AgreesWithFloat) {
  const ml::Model& model = trained(ml::ModelKind::kMlp);
  for (bool per_channel : {false, true}) {
    QuantizeModelOptions options;
    options.quantize.per_channel = per_channel;
    auto q = quantize(model, options);
    ASSERT_TRUE(q.has_value()) << q.error().message();
    const QuantReport& r = q->report;
    EXPECT_LE(r.float_graph_max_abs_error, 5e-5);
    // Observed (per tensor / per channel): max 0.031 / 0.043, mean 0.0017 / 0.0017, 3 / 2 of
    // 3000 decisions flipped, ROC-AUC 0.8997 -> 0.8971 / 0.8963. A 5-16-8-1 network is too small
    // for int8 to shrink the file (3232 / 3776 bytes against 2736: quantization parameters and
    // the float standardization layer); the 4-50-40-1 reference network halves it.
    EXPECT_LT(r.selected.agreement.max_abs_error, 0.1) << per_channel;
    EXPECT_LT(r.selected.agreement.mean_abs_error, 0.01) << per_channel;
    EXPECT_LT(std::abs(auc_delta(r, r.selected)), 0.01) << per_channel;
    EXPECT_GT(r.selected.arena_bytes, 0u);
    EXPECT_EQ(q->graph.layers[0].weight_scales.size(), per_channel ? 16u : 1u);
    expect_report_is_the_cores(model, *q);
  }
}

TEST(QuantizeModelTest, LinearSvmQuantizes) {
  auto q = quantize(trained(ml::ModelKind::kLinearSvm));
  ASSERT_TRUE(q.has_value()) << q.error().message();
  EXPECT_LT(q->report.selected.agreement.mean_abs_error, 0.01);
  EXPECT_LT(std::abs(auc_delta(q->report, q->report.selected)), 0.01);
}

TEST(QuantizeModelTest, Pow2WeightsAreMeasuredBesideInt8) {
  const ml::Model& model = trained(ml::ModelKind::kMlp);
  QuantizeModelOptions options;
  options.quantize.weights = WeightMode::kPow2;
  auto q = quantize(model, options);
  ASSERT_TRUE(q.has_value()) << q.error().message();
  for (const tflite::DenseLayer& layer : q->graph.layers) {
    for (int8_t w : layer.weights_q) ASSERT_TRUE(is_signed_pow2(w)) << int{w};
  }
  EXPECT_EQ(q->report.selected.options.weights, WeightMode::kPow2);
  EXPECT_EQ(q->report.alternative.options.weights, WeightMode::kInt8);
  // Coarser weights cost more than int8 ones (observed mean error 0.018 against 0.0017, ROC-AUC
  // 0.8997 -> 0.8837).
  EXPECT_GT(q->report.selected.agreement.mean_abs_error,
            q->report.alternative.agreement.mean_abs_error);
  expect_report_is_the_cores(model, *q);
}

TEST(QuantizeModelTest, GateRefusesADropBeyondTheLimit) {
  const ml::Model& model = trained(ml::ModelKind::kLogistic);
  QuantizeModelOptions options;
  options.quantize.weights = WeightMode::kPow2;  // observed ROC-AUC drop 0.032
  options.gate.max_auc_drop = 0.01;
  auto refused = quantize(model, options);
  ASSERT_TRUE(refused.has_value()) << refused.error().message();
  EXPECT_TRUE(refused->gate.checked);
  EXPECT_FALSE(refused->gate.passed);
  ASSERT_EQ(refused->gate.reasons.size(), 1u);
  EXPECT_THAT(refused->gate.reasons[0], HasSubstr("ROC-AUC dropped"));

  options.quantize.weights = WeightMode::kInt8;
  auto passed = quantize(model, options);
  ASSERT_TRUE(passed.has_value()) << passed.error().message();
  EXPECT_TRUE(passed->gate.passed);
}

TEST(QuantizeModelTest, GateWithoutLabelsFailsBeforeAnyWork) {
  QuantizeModelOptions options;
  options.gate.max_f1_drop = 0.1;
  EvalSet unlabelled = eval_set();
  unlabelled.labels = {};
  auto q = quantize_model(trained(ml::ModelKind::kLogistic), ai4i().calibration.features,
                          unlabelled, options);
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(q.error().message(), HasSubstr("needs labels"));

  // Without a gate an unlabelled set still measures the error.
  auto measured = quantize_model(trained(ml::ModelKind::kLogistic), ai4i().calibration.features,
                                 unlabelled, {});
  ASSERT_TRUE(measured.has_value()) << measured.error().message();
  EXPECT_FALSE(measured->report.float_metrics.has_value());
  EXPECT_GT(measured->report.selected.agreement.rows, 0u);
}

TEST(QuantizeModelTest, RefusesNaiveBayes) {
  ml::GaussianClasses classes;
  classes.prior = {0.9, 0.1};
  for (size_t c = 0; c < 2; ++c) {
    classes.mean[c] = Eigen::VectorXd::Zero(5);
    classes.variance[c] = Eigen::VectorXd::Ones(5);
  }
  const ml::Model& lr = trained(ml::ModelKind::kLogistic);
  auto nb =
      ml::Model::create(lr.scaler(), std::make_unique<ml::NaiveBayes>(classes), lr.metadata());
  ASSERT_TRUE(nb.has_value()) << nb.error().message();
  auto q = quantize(*nb);
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code(), ErrorCode::kInvalidArgument);
}

TEST(QuantizeModelTest, TheSavedQModelScoresAsReported) {
  const ml::Model& model = trained(ml::ModelKind::kMlp);
  auto q = quantize(model);
  ASSERT_TRUE(q.has_value()) << q.error().message();
  const aiotops::testing::ScratchDir dir("quantize-model-test");
  const fs::path path = dir / "mlp.qmodel";
  QModel qmodel{.graph = q->graph,
                .options = {},
                .source = source_identity(model, std::string(64, '0')),
                .calibration = to_json(q->calibration),
                .report = to_json(q->report, {}, q->gate)};
  ASSERT_TRUE(save_qmodel(qmodel, path).has_value());
  auto loaded = load_qmodel(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  auto before = run_on_device_core(q->graph, ai4i().eval.features);
  auto after = run_on_device_core(*loaded, ai4i().eval.features);
  ASSERT_TRUE(before.has_value() && after.has_value());
  EXPECT_EQ(before->scores, after->scores);
  EXPECT_EQ(qmodel.source["kind"], "mlp");
  EXPECT_FALSE(qmodel.source.contains("parameters"));
}

}  // namespace
}  // namespace aiotops::quant
