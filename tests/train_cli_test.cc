// The `aiotops train` / `aiotops evaluate` contract, run as a user runs it: exit codes, messages
// on bad input, no model file after a failed run, the JSON outputs, and the fault-episode report
// on simulated data.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;

using Outcome = testing::CliOutcome;

class TrainCliTest : public ::testing::Test {
 protected:
  // Runs `aiotops <arguments>` (a shell fragment; paths here contain no spaces).
  Outcome aiotops(const std::string& arguments) {
    return testing::run_cli(AIOTOPS_BINARY, arguments, dir_);
  }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }

  // A small labelled CSV: 40 rows, label = [a + b > 10], c a noisy copy of a.
  fs::path good_csv(const std::string& name = "good.csv") {
    std::string text = "a,b,c,y\n";
    for (int i = 0; i < 40; ++i) {
      const int a = i % 9, b = (i * 7) % 11;
      text += fmt::format("{},{},{},{}\n", a, b, a + (i % 3) * 0.5, a + b > 10 ? 1 : 0);
    }
    return write(name, text);
  }

  void expect_bad_input(const std::string& arguments, const std::string& message) {
    const fs::path model = dir_ / "model.json";
    const Outcome o = aiotops(fmt::format("{} --out {}", arguments, model.string()));
    EXPECT_EQ(o.exit_code, 2) << arguments << "\n" << o.err;
    EXPECT_NE(o.err.find(message), std::string::npos)
        << "expected '" << message << "' in: " << o.err;
    EXPECT_FALSE(fs::exists(model)) << arguments;
  }

  aiotops::testing::ScratchDir dir_{"train-cli-test"};
};

TEST_F(TrainCliTest, BadTrainingDataExitsTwoAndWritesNothing) {
  const std::string base = "train --label y --model logistic --quiet --data ";
  std::string one_class = "a,b,y\n";
  for (int i = 0; i < 20; ++i) one_class += fmt::format("{},{},0\n", i, i % 4);
  expect_bad_input(base + write("one.csv", one_class).string(),
                   "label 'y' is 0 in all 20 rows: training needs both classes");

  expect_bad_input(base + write("few.csv", "a,b,y\n1,2,0\n2,1,1\n3,3,0\n").string(),
                   "too few rows: 3 given, training needs at least 10");

  std::string bad_label = "a,b,y\n";
  for (int i = 0; i < 20; ++i) bad_label += fmt::format("{},{},{}\n", i, i % 4, i == 6 ? 2 : i % 2);
  expect_bad_input(base + write("label.csv", bad_label).string(),
                   "label 'y' is 2 in data row 7: labels must be 0 or 1");

  std::string constant = "a,b,y\n";
  for (int i = 0; i < 20; ++i) constant += fmt::format("{},5,{}\n", i, i % 2);
  expect_bad_input(base + write("constant.csv", constant).string(),
                   "feature 'b' is constant in the training data");

  expect_bad_input(base + good_csv().string() + " --features a,nope", "nope");
  expect_bad_input(base + good_csv().string() + " --C -1", "--C");
  expect_bad_input("train --label y --model forest --data " + good_csv().string(), "forest");
}

TEST_F(TrainCliTest, FailedRunLeavesThePreviousModelUntouched) {
  const fs::path model = write("model.json", "previous bytes");
  const Outcome o =
      aiotops(fmt::format("train --data {} --label y --model logistic --quiet "
                          "--features a,missing --out {}",
                          good_csv().string(), model.string()));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(read_file(model).value_or(""), "previous bytes");
}

TEST_F(TrainCliTest, TrainJsonAndEvaluateAgree) {
  const fs::path model = dir_ / "model.json";
  const Outcome trained =
      aiotops(fmt::format("train --data {} --label y --model svm --seed 3 --out {} --json --quiet",
                          good_csv().string(), model.string()));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto summary = nlohmann::json::parse(trained.out);
  EXPECT_EQ(summary["model"], model.string());
  EXPECT_EQ(summary["kind"], "svm");
  EXPECT_EQ(summary["features"], nlohmann::json({"a", "b", "c"}));  // every column but y
  EXPECT_EQ(summary["rows"]["train"], 40);
  EXPECT_EQ(summary["parameters"], 6);
  EXPECT_EQ(summary["macs"], 4);
  EXPECT_EQ(summary["model_bytes"], 4 * (6 + 6));
  EXPECT_TRUE(summary["fit_seconds"].is_number());

  const Outcome evaluated = aiotops(
      fmt::format("evaluate --model {} --data {} --json", model.string(), good_csv().string()));
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const auto metrics = nlohmann::json::parse(evaluated.out);
  for (const char* key : {"roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "log_loss",
                          "threshold", "rows", "confusion"}) {
    EXPECT_TRUE(metrics.contains(key)) << key;
  }
  // Evaluating the training rows reproduces the training metrics.
  for (const char* key : {"roc_auc", "f1", "log_loss", "threshold", "rows"}) {
    EXPECT_EQ(metrics[key], summary["metrics"]["train"][key]) << key;
  }

  const Outcome override = aiotops(fmt::format("evaluate --model {} --data {} --json --threshold 1",
                                               model.string(), good_csv().string()));
  ASSERT_EQ(override.exit_code, 0) << override.err;
  EXPECT_EQ(nlohmann::json::parse(override.out)["threshold"], 1.0);

  const Outcome table =
      aiotops(fmt::format("evaluate --model {} --data {}", model.string(), good_csv().string()));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("roc_auc"), std::string::npos);
}

TEST_F(TrainCliTest, EvaluateFindsColumnsByNameAndRejectsCorruptModels) {
  const fs::path model = dir_ / "model.json";
  ASSERT_EQ(aiotops(fmt::format("train --data {} --label y --features c,a --model naive-bayes "
                                "--quiet --out {}",
                                good_csv().string(), model.string()))
                .exit_code,
            0);
  // Same columns in another order, plus an extra one.
  std::string shuffled = "y,extra,c,b,a\n";
  for (int i = 0; i < 40; ++i) {
    const int a = i % 9, b = (i * 7) % 11;
    shuffled += fmt::format("{},9,{},{},{}\n", a + b > 10 ? 1 : 0, a + (i % 3) * 0.5, b, a);
  }
  const Outcome o = aiotops(fmt::format("evaluate --model {} --data {} --json", model.string(),
                                        write("shuffled.csv", shuffled).string()));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const Outcome same = aiotops(
      fmt::format("evaluate --model {} --data {} --json", model.string(), good_csv().string()));
  EXPECT_EQ(nlohmann::json::parse(o.out)["roc_auc"], nlohmann::json::parse(same.out)["roc_auc"]);

  auto document = nlohmann::json::parse(read_file(model).value());
  document["scaler"]["scale"][1] = 0;
  const fs::path corrupt = write("corrupt.json", document.dump());
  const Outcome rejected =
      aiotops(fmt::format("evaluate --model {} --data {}", corrupt.string(), good_csv().string()));
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_NE(rejected.err.find("'scaler.scale[1]'"), std::string::npos) << rejected.err;
}

TEST_F(TrainCliTest, EpisodesReportHowEarlyASimulatedFaultWasFlagged) {
  const fs::path data = dir_ / "fleet.csv";
  ASSERT_EQ(aiotops(fmt::format("sim --devices 3 --duration 2h --seed 5 --interval 10s "
                                "--fault motor-2:cooling-failure@30m --out {}",
                                data.string()))
                .exit_code,
            0);
  const fs::path model = dir_ / "model.json";
  const Outcome trained = aiotops(
      fmt::format("train --data {} --model logistic --test-fraction 0.3 --seed 1 --quiet --out {}",
                  data.string(), model.string()));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const Outcome o = aiotops(fmt::format("evaluate --model {} --data {} --episodes --json",
                                        model.string(), data.string()));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto report = nlohmann::json::parse(o.out)["episodes"];
  ASSERT_EQ(report["episodes"].size(), 1u) << report.dump();
  const auto& episode = report["episodes"][0];
  EXPECT_EQ(episode["device"], "motor-2");
  EXPECT_EQ(episode["fault_type"], "cooling-failure");
  EXPECT_FALSE(episode["missed"].get<bool>());
  EXPECT_TRUE(episode["flagged_ms"].is_number());

  const Outcome table = aiotops(
      fmt::format("evaluate --model {} --data {} --episodes", model.string(), data.string()));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("cooling-failure"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace aiotops
