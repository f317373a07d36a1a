// `aiotops train` against scikit-learn on the AI4I 2020 predictive-maintenance data: both fit on
// exactly the same rows (our split, exported with --split-out) with the scaler fitted on the
// training rows, and must reach the same optimum and the same test ROC-AUC.

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "ml/model_file.h"
#include "support/scratch_dir.h"
#include "telemetry/csv_reader.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFeatures{"Air temperature [K]", "Process temperature [K]",
                                         "Rotational speed [rpm]", "Torque [Nm]",
                                         "Tool wear [min]"};
const std::string kLabel = "Machine failure";

std::string data_path() { return std::string(AIOTOPS_SHARED_DATA_DIR) + "/ai4i2020.csv"; }

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command; returns its stdout, or nothing (with a test failure) if it exits != 0.
std::optional<std::string> run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return std::nullopt;
  }
  std::string out;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  const int status = pclose(pipe.release());
  if (status != 0) {
    ADD_FAILURE() << "exit status " << status << " from: " << command;
    return std::nullopt;
  }
  return out;
}

struct Comparison {
  nlohmann::json ours;    // `aiotops train --json` output
  nlohmann::json theirs;  // sklearn_reference.py output
  ml::Model model;
  nlohmann::json split;
  telemetry::Dataset dataset;
};

class SklearnReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(data_path())) GTEST_SKIP() << data_path() << " is not present";
  }

  // Trains with `flags` (model kind, C, class weight) on a 60/20/20 stratified split and runs
  // the reference on the same split.
  std::optional<Comparison> compare(const std::string& kind, const std::string& extra_train,
                                    const std::string& extra_reference) {
    std::string features;
    for (const auto& f : kFeatures) features += (features.empty() ? "" : ",") + f;
    const fs::path model_path = dir_ / "model.json";
    const fs::path split_path = dir_ / "split.json";
    auto ours = run(fmt::format(
        "{} train --data {} --features {} --label {} --model {} --validation-fraction 0.2 "
        "--test-fraction 0.2 --seed 7 --out {} --split-out {} --json --quiet {}",
        AIOTOPS_BINARY, shell_quote(data_path()), shell_quote(features), shell_quote(kLabel), kind,
        model_path.string(), split_path.string(), extra_train));
    if (!ours) return std::nullopt;
    auto theirs = run(fmt::format(
        "{} {}/tests/sklearn_reference.py --data {} --features {} --label {} --split {} "
        "--model {} {}",
        AIOTOPS_REFERENCE_PYTHON, AIOTOPS_SOURCE_DIR, shell_quote(data_path()),
        shell_quote(nlohmann::json(kFeatures).dump()), shell_quote(kLabel), split_path.string(),
        kind, extra_reference));
    if (!theirs) return std::nullopt;
    auto model = ml::load_model(model_path);
    EXPECT_TRUE(model.has_value()) << model.error().message();
    auto split = read_file(split_path);
    telemetry::ReadOptions options;
    options.features = kFeatures;
    options.label = kLabel;
    auto dataset = telemetry::read_dataset(data_path(), options);
    EXPECT_TRUE(dataset.has_value());
    if (!model || !split || !dataset) return std::nullopt;
    return Comparison{nlohmann::json::parse(*ours), nlohmann::json::parse(*theirs),
                      std::move(*model), nlohmann::json::parse(*split), std::move(*dataset)};
  }

  // Our probabilities for the test rows, in split order.
  static std::vector<double> test_scores(const Comparison& c) {
    std::vector<double> scores;
    for (size_t row : c.split["test"].get<std::vector<size_t>>()) {
      scores.push_back(c.model.score(c.dataset.row(row)));
    }
    return scores;
  }

  static void expect_same_scaler_and_scores(const Comparison& c) {
    for (size_t i = 0; i < kFeatures.size(); ++i) {
      const auto e = static_cast<Eigen::Index>(i);
      EXPECT_NEAR(c.model.scaler().mean()(e), c.theirs["scaler_mean"][i].get<double>(),
                  1e-9 * std::abs(c.model.scaler().mean()(e)));
      EXPECT_NEAR(c.model.scaler().scale()(e), c.theirs["scaler_scale"][i].get<double>(),
                  1e-9 * c.model.scaler().scale()(e));
    }
    const std::vector<double> ours = test_scores(c);
    ASSERT_EQ(ours.size(), c.theirs["test_scores"].size());
    double worst = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      worst = std::max(worst, std::abs(ours[i] - c.theirs["test_scores"][i].get<double>()));
    }
    EXPECT_LT(worst, 1e-7) << "largest probability difference on the test rows";
  }

  aiotops::testing::ScratchDir dir_{"sklearn-reference-test"};
};

// C * sum_i s_i logloss_i + |w|^2 / 2 of our model on its training rows.
double our_objective(const Comparison& c, double C, bool balanced) {
  const auto train = c.split["train"].get<std::vector<size_t>>();
  double positives = 0;
  for (size_t row : train) positives += c.dataset.labels[row];
  const double n = static_cast<double>(train.size());
  double loss = 0;
  for (size_t row : train) {
    const double y = c.dataset.labels[row];
    const double p = c.model.score(c.dataset.row(row));
    const double weight = balanced ? n / (2 * (y == 1 ? positives : n - positives)) : 1.0;
    loss += weight * -(y * std::log(p) + (1 - y) * std::log1p(-p));
  }
  const auto weights = c.model.classifier().parameters_to_json()["weights"];
  double norm = 0;
  for (const auto& w : weights) norm += w.get<double>() * w.get<double>();
  return C * loss + 0.5 * norm;
}

// Against the exact optimum (newton-cholesky) and the default lbfgs solver.
void expect_same_optimum(const Comparison& c, double C, bool balanced) {
  const nlohmann::json parameters = c.model.classifier().parameters_to_json();
  ASSERT_EQ(parameters["weights"].size(), c.theirs["coef"].size());
  for (size_t i = 0; i < kFeatures.size(); ++i) {
    EXPECT_NEAR(parameters["weights"][i].get<double>(), c.theirs["coef"][i].get<double>(), 1e-6)
        << kFeatures[i];
  }
  EXPECT_NEAR(parameters["bias"].get<double>(), c.theirs["intercept"].get<double>(), 1e-6);
  const double train_log_loss = c.ours["metrics"]["train"]["log_loss"].get<double>();
  EXPECT_NEAR(train_log_loss, c.theirs["train_log_loss"].get<double>(), 1e-9);
  EXPECT_NEAR(train_log_loss, c.theirs["lbfgs"]["train_log_loss"].get<double>(), 1e-4);
  // Newton reaches the optimum at least as well as either solver.
  const double ours = our_objective(c, C, balanced);
  EXPECT_NEAR(ours, c.theirs["objective"].get<double>(), 1e-9 * ours);
  EXPECT_LE(ours, c.theirs["lbfgs"]["objective"].get<double>() * (1 + 1e-12));
  // The acceptance criterion: test ROC-AUC within 0.01 of scikit-learn's LogisticRegression.
  EXPECT_NEAR(c.ours["metrics"]["test"]["roc_auc"].get<double>(),
              c.theirs["lbfgs"]["test_roc_auc"].get<double>(), 0.01);
}

TEST_F(SklearnReferenceTest, LogisticRegressionMatchesOnTheSameSplit) {
  auto c = compare("logistic", "", "");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->ours["rows"]["test"], 2000);
  expect_same_optimum(*c, 1.0, false);
  expect_same_scaler_and_scores(*c);
}

TEST_F(SklearnReferenceTest, BalancedLogisticRegressionMatches) {
  auto c =
      compare("logistic", "--C 0.5 --class-weight balanced", "--C 0.5 --class-weight balanced");
  ASSERT_TRUE(c.has_value());
  expect_same_optimum(*c, 0.5, true);
  expect_same_scaler_and_scores(*c);
}

TEST_F(SklearnReferenceTest, GaussianNaiveBayesMatches) {
  auto c = compare("naive-bayes", "", "");
  ASSERT_TRUE(c.has_value());
  const nlohmann::json parameters = c->model.classifier().parameters_to_json();
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_NEAR(parameters["class_prior"][k].get<double>(),
                c->theirs["class_prior"][k].get<double>(), 1e-12);
    for (size_t i = 0; i < kFeatures.size(); ++i) {
      EXPECT_NEAR(parameters["mean"][k][i].get<double>(), c->theirs["mean"][k][i].get<double>(),
                  1e-9);
      EXPECT_NEAR(parameters["variance"][k][i].get<double>(),
                  c->theirs["variance"][k][i].get<double>(), 1e-9);
    }
  }
  EXPECT_NEAR(c->ours["metrics"]["test"]["roc_auc"].get<double>(),
              c->theirs["test_roc_auc"].get<double>(), 1e-6);
  expect_same_scaler_and_scores(*c);
}

}  // namespace
}  // namespace aiotops
