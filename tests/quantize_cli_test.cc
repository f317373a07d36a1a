// The `aiotops quantize` contract, run as a user runs it: the QMODEL and the report it writes,
// the quality gate's exit code 3 (report written, no QMODEL), and exit 2 on bad input.

#include <unistd.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "quant/qmodel.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kFeatures =
    "'Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear "
    "[min]'";

class QuantizeCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = std::make_unique<aiotops::testing::ScratchDir>("quantize-cli-test");
    dir_ = &scratch_->path();
    // Model names are shell-safe; the AI4I path holds no spaces.
    const testing::CliOutcome train = run(fmt::format(
        "train --data {} --features {} --label 'Machine failure' --model logistic --quiet "
        "--out {}",
        data(), kFeatures, (*dir_ / "lr.json").string()));
    ASSERT_EQ(train.exit_code, 0) << train.err;
  }
  static void TearDownTestSuite() {
    dir_ = nullptr;
    scratch_.reset();
  }

  static testing::CliOutcome run(const std::string& arguments) {
    return testing::run_cli(AIOTOPS_BINARY, arguments, *dir_);
  }
  static std::string data() {
    return (fs::path(AIOTOPS_SHARED_DATA_DIR) / "ai4i2020.csv").string();
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }

  static inline std::unique_ptr<aiotops::testing::ScratchDir> scratch_;
  static inline const fs::path* dir_ = nullptr;  // scratch_'s path, shared by the suite's tests
};

TEST_F(QuantizeCliTest, WritesTheQModelAndTheReport) {
  const std::string qmodel = path("lr.qmodel");
  const std::string report = path("lr.report.json");
  const testing::CliOutcome o =
      run(fmt::format("quantize --model {} --calibration {} --out {} --report {} --json",
                      path("lr.json"), data(), qmodel, report));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto out = nlohmann::json::parse(o.out);
  EXPECT_EQ(out["qmodel"], qmodel);
  EXPECT_THAT(out["eval"]["source"].get<std::string>(), HasSubstr("the calibration data"));
  EXPECT_EQ(out["eval"]["rows"], 10000);
  EXPECT_EQ(out["selected"]["quantization"]["weights"], "int8");
  EXPECT_EQ(out["alternative"]["quantization"]["weights"], "pow2");
  EXPECT_LT(out["selected"]["agreement"]["max_abs_error"].get<double>(), 0.05);
  EXPECT_TRUE(out["selected"]["metric_deltas"]["roc_auc"].is_number());
  EXPECT_GT(out["selected"]["model_bytes"].get<int>(), 0);
  EXPECT_GT(out["selected"]["arena_bytes"].get<int>(), 0);
  EXPECT_EQ(out["gate"]["checked"], false);

  auto written = nlohmann::json::parse(read_file(report).value_or("null"));
  nlohmann::json expected = out;
  expected.erase("qmodel");
  EXPECT_EQ(written, expected);

  auto loaded = quant::read_qmodel(qmodel);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->graph.inputs, 5u);
  EXPECT_EQ(loaded->graph.metadata.feature_names.front(), "Air temperature [K]");
  EXPECT_EQ(loaded->report, expected);
  EXPECT_EQ(loaded->source["kind"], "logistic");
  EXPECT_EQ(loaded->source["file_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(loaded->calibration["data"], data());
  EXPECT_EQ(loaded->calibration["rows"], 10000);
}

TEST_F(QuantizeCliTest, RefusedGateExitsThreeWithTheReportAndNoQModel) {
  const std::string qmodel = path("refused.qmodel");
  const std::string report = path("refused.report.json");
  // Powers-of-two weights cost logistic regression about 0.03 of ROC-AUC on this data.
  const testing::CliOutcome o =
      run(fmt::format("quantize --model {} --calibration {} --out {} --report {} --weights pow2 "
                      "--max-auc-drop 0.005",
                      path("lr.json"), data(), qmodel, report));
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_THAT(o.out, HasSubstr("REFUSED: ROC-AUC dropped by"));
  EXPECT_THAT(o.err, HasSubstr("quality gate refused"));
  EXPECT_FALSE(fs::exists(qmodel));
  auto written = nlohmann::json::parse(read_file(report).value_or("null"));
  EXPECT_EQ(written["gate"]["passed"], false);
  EXPECT_EQ(written["gate"]["max_auc_drop"], 0.005);

  const testing::CliOutcome passed =
      run(fmt::format("quantize --model {} --calibration {} --out {} --max-auc-drop 0.02 "
                      "--max-f1-drop 0.05",
                      path("lr.json"), data(), qmodel));
  EXPECT_EQ(passed.exit_code, 0) << passed.err;
  EXPECT_THAT(passed.out, HasSubstr("gate               passed"));
  EXPECT_TRUE(fs::exists(qmodel));
}

TEST_F(QuantizeCliTest, BadInputExitsTwoAndWritesNothing) {
  const std::string qmodel = path("bad.qmodel");
  const std::string base =
      fmt::format("quantize --model {} --calibration {} --out {}", path("lr.json"), data(), qmodel);
  const fs::path unlabelled = *dir_ / "unlabelled.csv";
  ASSERT_TRUE(write_file_atomic(unlabelled,
                                "Air temperature [K],Process temperature [K],Rotational speed "
                                "[rpm],Torque [Nm],Tool wear [min]\n300,310,1500,40,100\n")
                  .has_value());
  const fs::path no_column = *dir_ / "no_column.csv";
  ASSERT_TRUE(write_file_atomic(no_column, "a,b\n1,2\n").has_value());
  for (const auto& [arguments, message] : std::vector<std::pair<std::string, std::string>>{
           {base + " --calibration-method entropy", "entropy"},
           {base + " --calibration-method percentile --percentile 40", "--percentile"},
           {base + " --weights int4", "--weights"},
           {base + " --max-auc-drop 2", "--max-auc-drop"},
           {base + " --eval " + unlabelled.string(), "Machine failure"},
           {fmt::format("quantize --model {} --calibration {} --out {}", path("lr.json"),
                        no_column.string(), qmodel),
            "no label column \"Machine failure\""},
           {fmt::format("quantize --model {} --calibration {} --eval {} --out {}", path("lr.json"),
                        no_column.string(), data(), qmodel),
            "Air temperature [K]"},
           {fmt::format("quantize --model {} --calibration {} --out {}", path("absent.json"),
                        data(), qmodel),
            "absent.json"},
       }) {
    const testing::CliOutcome o = run(arguments);
    EXPECT_EQ(o.exit_code, 2) << arguments << "\n" << o.err;
    EXPECT_THAT(o.err, HasSubstr(message)) << arguments;
    EXPECT_FALSE(fs::exists(qmodel)) << arguments;
  }
}

}  // namespace
}  // namespace aiotops
