// The quality gates of `aiotops train --baseline` and the hardware budget of `aiotops quantize`,
// run as a pipeline step runs them: a worse candidate is refused with exit 3, its reasons in the
// JSON report and no model written; a better one passes; a baseline is scored by its own feature
// names; a model over its arena budget gets no QMODEL.

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using json = nlohmann::json;

const std::string kAllFeatures =
    "'Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear "
    "[min]'";
const std::string kWeakFeature = "'Air temperature [K]'";

class StepGatesCliTest : public ::testing::Test {
 protected:
  // Two baselines trained once for the suite: on every feature (strong) and on one (weak).
  static void SetUpTestSuite() {
    scratch_ = std::make_unique<aiotops::testing::ScratchDir>("step-gates-cli-test");
    dir_ = &scratch_->path();
    for (const auto& [name, features] :
         {std::pair{"strong.json", kAllFeatures}, std::pair{"weak.json", kWeakFeature}}) {
      const testing::CliOutcome o = run(train_args(features, path(name)));
      ASSERT_EQ(o.exit_code, 0) << o.err;
    }
  }
  static void TearDownTestSuite() {
    dir_ = nullptr;
    scratch_.reset();
  }

  static std::string train_args(const std::string& features, const std::string& out) {
    return fmt::format(
        "train --data {} --features {} --label 'Machine failure' --model logistic --seed 5 "
        "--test-fraction 0.3 --quiet --out {}",
        data(), features, out);
  }
  static testing::CliOutcome run(const std::string& arguments) {
    return testing::run_cli(AIOTOPS_BINARY, arguments, *dir_);
  }
  static std::string data() {
    return (fs::path(AIOTOPS_SHARED_DATA_DIR) / "ai4i2020.csv").string();
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }

  static inline std::unique_ptr<aiotops::testing::ScratchDir> scratch_;
  static inline const fs::path* dir_ = nullptr;
};

TEST_F(StepGatesCliTest, AWorseCandidateIsRefusedWithReasonsAndNoModel) {
  const std::string out = path("refused.json");
  const std::string report = path("refused.report.json");
  const testing::CliOutcome o =
      run(train_args(kWeakFeature, out) +
          fmt::format(" --baseline {} --report {} --json", path("strong.json"), report));
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_THAT(o.err, HasSubstr("quality gate refused the candidate"));
  EXPECT_FALSE(fs::exists(out));
  const json summary = json::parse(o.out);
  EXPECT_TRUE(summary["model"].is_null());
  EXPECT_EQ(summary["gate_passed"], false);
  const json& gate = summary["gate"];
  EXPECT_EQ(gate["checked"], true);
  EXPECT_EQ(gate["passed"], false);
  EXPECT_EQ(gate["metric"], "roc_auc");
  EXPECT_EQ(gate["max_regression"], 0.01);
  // The baseline was scored by its own five features on the same 30% test rows.
  EXPECT_EQ(gate["rows"], summary["rows"]["test"]);
  EXPECT_GT(gate["baseline"].get<double>(), gate["candidate"].get<double>() + 0.01);
  ASSERT_EQ(gate["reasons"].size(), 1u);
  EXPECT_THAT(gate["reasons"][0].get<std::string>(), HasSubstr("below the baseline's"));
  EXPECT_EQ(gate["baseline_model"], path("strong.json"));
  EXPECT_EQ(json::parse(read_file(report).value_or("null")), summary);
}

TEST_F(StepGatesCliTest, ABetterCandidatePassesAndIsWritten) {
  const std::string out = path("better.json");
  const testing::CliOutcome o =
      run(train_args(kAllFeatures, out) +
          fmt::format(" --baseline {} --gate-metric pr_auc --max-regression 0 --json",
                      path("weak.json")));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(fs::exists(out));
  const json summary = json::parse(o.out);
  EXPECT_EQ(summary["model"], out);
  EXPECT_EQ(summary["gate_passed"], true);
  EXPECT_EQ(summary["gate"]["metric"], "pr_auc");
  EXPECT_GT(summary["gate"]["candidate"].get<double>(), summary["gate"]["baseline"].get<double>());
  EXPECT_TRUE(summary["gate"]["reasons"].empty());
  // The same model against itself: no regression at a zero margin.
  const testing::CliOutcome same =
      run(train_args(kAllFeatures, path("same.json")) +
          fmt::format(" --baseline {} --max-regression 0 --json", out));
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(json::parse(same.out)["gate"]["regression"], 0.0);
}

TEST_F(StepGatesCliTest, AGateNeedsHeldOutRowsAndTheBaselinesColumns) {
  const testing::CliOutcome no_test =
      run(fmt::format("train --data {} --features {} --label 'Machine failure' --model logistic "
                      "--quiet --out {} --baseline {}",
                      data(), kAllFeatures, path("no-test.json"), path("strong.json")));
  EXPECT_EQ(no_test.exit_code, 2);
  EXPECT_THAT(no_test.err, HasSubstr("--baseline needs held-out rows"));
  EXPECT_FALSE(fs::exists(path("no-test.json")));

  // A separate held-out set without one of the baseline's columns.
  std::string csv = "Air temperature [K],Machine failure\n";
  for (int i = 0; i < 40; ++i) csv += fmt::format("{},{}\n", 295 + i % 10, i % 4 == 0 ? 1 : 0);
  ASSERT_TRUE(write_file_atomic(path("gate.csv"), csv).has_value());
  const testing::CliOutcome missing =
      run(train_args(kWeakFeature, path("missing.json")) +
          fmt::format(" --baseline {} --gate-data {}", path("strong.json"), path("gate.csv")));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("baseline model " + path("strong.json")));
  EXPECT_THAT(missing.err, HasSubstr("Process temperature [K]"));
  EXPECT_FALSE(fs::exists(path("missing.json")));

  // With the column there, --gate-data is what both are scored on.
  const testing::CliOutcome gate_data =
      run(train_args(kWeakFeature, path("gated.json")) +
          fmt::format(" --baseline {} --gate-data {} --json", path("weak.json"), path("gate.csv")));
  ASSERT_EQ(gate_data.exit_code, 0) << gate_data.err;
  const json gate = json::parse(gate_data.out)["gate"];
  EXPECT_EQ(gate["rows"], 40);
  EXPECT_EQ(gate["data"], path("gate.csv"));
}

TEST_F(StepGatesCliTest, AModelOverItsArenaBudgetGetsNoQModel) {
  const std::string mlp = path("mlp.json");
  const testing::CliOutcome trained =
      run(fmt::format("train --data {} --features {} --label 'Machine failure' --model mlp "
                      "--hidden 50,40 --epochs 3 --seed 2 --quiet --out {}",
                      data(), kAllFeatures, mlp));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;

  const std::string qmodel = path("mlp.qmodel");
  const testing::CliOutcome tiny =
      run(fmt::format("quantize --model {} --calibration {} --out {} --max-arena-bytes 256 --json",
                      mlp, data(), qmodel));
  EXPECT_EQ(tiny.exit_code, 3) << tiny.err;
  EXPECT_FALSE(fs::exists(qmodel));
  const json refused = json::parse(tiny.out);
  EXPECT_TRUE(refused["qmodel"].is_null());
  EXPECT_EQ(refused["gate"]["passed"], false);
  EXPECT_EQ(refused["gate"]["max_arena_bytes"], 256);
  ASSERT_EQ(refused["gate"]["reasons"].size(), 1u);
  EXPECT_THAT(refused["gate"]["reasons"][0].get<std::string>(),
              HasSubstr(fmt::format("the tensor arena needs {} bytes",
                                    refused["selected"]["arena_bytes"].get<size_t>())));

  // The ESP32's default budget (20,000 arena bytes) holds the reference network.
  const testing::CliOutcome esp32 = run(fmt::format(
      "quantize --model {} --calibration {} --out {} --target esp32 --json", mlp, data(), qmodel));
  ASSERT_EQ(esp32.exit_code, 0) << esp32.err;
  const json passed = json::parse(esp32.out);
  EXPECT_EQ(passed["gate"]["target"], "esp32");
  EXPECT_EQ(passed["gate"]["max_arena_bytes"], 20000);
  EXPECT_EQ(passed["gate"]["max_model_bytes"], 262144);
  EXPECT_LE(passed["selected"]["arena_bytes"].get<size_t>(), 20000u);
  EXPECT_TRUE(fs::exists(qmodel));

  // A flag overrides the target's figure; an unknown target is bad input.
  const testing::CliOutcome flash = run(fmt::format(
      "quantize --model {} --calibration {} --out {} --target esp32 --max-model-bytes 1000 --json",
      mlp, data(), path("flash.qmodel")));
  EXPECT_EQ(flash.exit_code, 3) << flash.err;
  EXPECT_THAT(json::parse(flash.out)["gate"]["reasons"][0].get<std::string>(),
              HasSubstr("over the esp32 budget of 1000 bytes (flash)"));
  const testing::CliOutcome unknown = run(fmt::format(
      "quantize --model {} --calibration {} --out {} --target esp8266", mlp, data(), qmodel));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("esp32, coral-tpu, jetson, rpi or x86"));
}

}  // namespace
}  // namespace aiotops
