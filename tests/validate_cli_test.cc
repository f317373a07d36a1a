// The `aiotops validate` contract, run as a user or a workflow runs it, on fleets made by
// `aiotops sim`: no drift for the same fleet a day later, temperature drift when the site is
// warmer, a stuck sensor failing the data quality (exit 3), bad input (exit 2), the reports, and
// the production model's training set found through a real registry's lineage.

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "registry_test_fixture.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Outcome = testing::CliOutcome;

// Three motors for 40 minutes, one reading every 2 s: 3600 rows.
constexpr std::string_view kFleet = "--devices 3 --duration 40m --interval 2s";

Outcome aiotops(const fs::path& dir, const std::string& arguments) {
  return testing::run_cli(AIOTOPS_BINARY, arguments, dir, std::chrono::seconds(300));
}

// `aiotops sim` into dir/name with the fleet above plus `extra`.
fs::path simulate(const fs::path& dir, const std::string& name, const std::string& extra) {
  const fs::path out = dir / name;
  const Outcome o = aiotops(dir, fmt::format("sim {} {} --out {}", kFleet, extra, out.string()));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return out;
}

nlohmann::json parse(const Outcome& o) {
  auto json = nlohmann::json::parse(o.out, nullptr, false);
  EXPECT_TRUE(json.is_object()) << o.out << o.err;
  return json;
}

class ValidateCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir("validate-cli-test");
    reference_ = simulate(*dir_, "reference.csv", "--seed 7");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  Outcome validate(const std::string& arguments) {
    return aiotops(scratch_,
                   fmt::format("validate --reference {} {}", reference_.string(), arguments));
  }

  static testing::ScratchDir* dir_;
  static fs::path reference_;
  testing::ScratchDir scratch_{"validate-cli-case"};
};

testing::ScratchDir* ValidateCliTest::dir_ = nullptr;
fs::path ValidateCliTest::reference_;

// The same seed a day later reads the same values (the site's cycle is daily): no drift.
TEST_F(ValidateCliTest, SameFleetNextDayHasNoDrift) {
  const fs::path data = simulate(scratch_, "same.csv", "--seed 7 --start 2023-11-15T22:13:20Z");
  const Outcome o = validate(fmt::format("--data {} --json", data.string()));
  ASSERT_EQ(o.exit_code, 0) << o.err << o.out;
  const auto json = parse(o);
  ASSERT_TRUE(json["drift"].is_boolean());
  EXPECT_FALSE(json["drift"].get<bool>()) << json["features"].dump(2);
  EXPECT_TRUE(json["quality_ok"].get<bool>());
  EXPECT_EQ(json["rows"], 3600);
  for (const char* feature : {"current", "temperature", "vibration", "sound"}) {
    const auto& f = json["features"][feature];
    for (const char* key : {"ks_statistic", "ks_pvalue", "psi", "wasserstein"}) {
      EXPECT_TRUE(f[key].is_number()) << feature << "." << key;
    }
    EXPECT_TRUE(f["drift"].is_boolean()) << feature;
  }
}

TEST_F(ValidateCliTest, WarmerSiteIsTemperatureDrift) {
  const fs::path data = simulate(scratch_, "warm.csv", "--seed 7 --ambient 35");
  const fs::path html = scratch_ / "report.html";
  const fs::path report = scratch_ / "report.json";
  const Outcome o =
      validate(fmt::format("--data {} --json --report-html {} --report-json {} --drift-share 0.25",
                           data.string(), html.string(), report.string()));
  ASSERT_EQ(o.exit_code, 0) << o.err << o.out;  // drift is an output, not a failure
  const auto json = parse(o);
  EXPECT_TRUE(json["drift"].get<bool>());
  EXPECT_TRUE(json["features"]["temperature"]["drift"].get<bool>());
  EXPECT_GT(json["features"]["temperature"]["psi"].get<double>(), 1.0);
  EXPECT_GT(json["features"]["temperature"]["wasserstein"].get<double>(), 5.0);
  // The report file holds the printed object; the page one chart per feature.
  EXPECT_EQ(nlohmann::json::parse(read_file(report).value_or(""), nullptr, false), json);
  const std::string page = read_file(html).value_or("");
  size_t charts = 0;
  for (size_t at = page.find("<svg "); at != std::string::npos; at = page.find("<svg ", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 4u);

  // A per-feature PSI threshold above temperature's PSI and a strict alpha for it leave only the
  // global thresholds for the others.
  const double psi = json["features"]["temperature"]["psi"].get<double>();
  const Outcome relaxed = validate(fmt::format(
      "--data {} --json --feature-threshold temperature={} --feature-alpha temperature=1e-300",
      data.string(), psi + 1));
  ASSERT_EQ(relaxed.exit_code, 0) << relaxed.err;
  const auto relaxed_json = parse(relaxed);
  EXPECT_EQ(relaxed_json["features"]["temperature"]["psi_threshold"], psi + 1);
  EXPECT_EQ(relaxed_json["features"]["current"]["psi_threshold"], 0.2);
}

TEST_F(ValidateCliTest, StuckSensorFailsTheDataQuality) {
  const fs::path data =
      simulate(scratch_, "stuck.csv", "--seed 7 --fault motor-2:sensor-stuck@10m:temperature");
  const Outcome o = validate(fmt::format("--data {} --json", data.string()));
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_THAT(o.err, HasSubstr("aiotops validate: data quality: stuck_sensor: temperature"));
  const auto json = parse(o);
  EXPECT_FALSE(json["quality_ok"].get<bool>());
  const auto& findings = json["quality"]["findings"];
  ASSERT_FALSE(findings.empty());
  bool found = false;
  for (const auto& finding : findings) {
    if (finding["check"] != "stuck_sensor") continue;
    found = true;
    EXPECT_EQ(finding["feature"], "temperature");
    EXPECT_EQ(finding["examples"][0]["device"], "motor-2");
    EXPECT_EQ(finding["severity"], "error");
  }
  EXPECT_TRUE(found) << findings.dump(2);

  // Reported only when the check does not fail the step.
  const Outcome lenient =
      validate(fmt::format("--data {} --json --fail-on missing_values", data.string()));
  EXPECT_EQ(lenient.exit_code, 0) << lenient.err;
}

TEST_F(ValidateCliTest, MissingValuesAreCountedPerFeature) {
  std::string text = read_file(reference_).value_or("");
  // Blank the temperature (4th column) of the second data row.
  size_t row = text.find('\n', text.find('\n') + 1) + 1;
  size_t field = row;
  for (int comma = 0; comma < 3; ++comma) field = text.find(',', field) + 1;
  text.erase(field, text.find(',', field) - field);
  const fs::path data = scratch_ / "missing.csv";
  std::ofstream(data) << text;
  const Outcome o = validate(fmt::format("--data {} --json", data.string()));
  EXPECT_EQ(o.exit_code, 3) << o.err;
  const auto json = parse(o);
  EXPECT_EQ(json["quality"]["findings"][0]["check"], "missing_values");
  EXPECT_EQ(json["quality"]["findings"][0]["feature"], "temperature");
  EXPECT_EQ(json["quality"]["findings"][0]["examples"][0]["row"], 2);
  EXPECT_EQ(json["features"]["temperature"]["count"], 3599);
}

TEST_F(ValidateCliTest, BadInputExitsTwo) {
  const fs::path missing = scratch_ / "none.csv";
  Outcome o = validate(fmt::format("--data {} --json", missing.string()));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("none.csv: no such file"));
  o = validate(fmt::format("--data {} --ks-mode fast", reference_.string()));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("--ks-mode"));
  o = validate(fmt::format("--data {} --features speed", reference_.string()));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("speed"));
  o = validate(fmt::format("--data {} --feature-threshold temperature", reference_.string()));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("expected NAME=VALUE"));
  o = validate(fmt::format("--data {} --fail-on stuck", reference_.string()));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("unknown data-quality check 'stuck'"));
  // No reference and no registry to find one in.
  o = aiotops(scratch_, fmt::format("validate --data {}", reference_.string()));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("no --reference and no registry"));
}

// The reference by default: the dataset the production model was trained on, in a registry.
class ValidateRegistryTest : public testing::RegistryFixture {
 protected:
  // Uploads `file` as the next version of dataset `name`.
  void add_dataset(const std::string& name, const fs::path& file) {
    auto http = client();
    auto result = upload(*http, "/api/v1/datasets/" + name, read_file(file).value_or(""),
                         file.filename().string(), R"({"source":"aiotops sim"})");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 201) << result->body;
  }

  void set_alias(const std::string& model, const std::string& alias, int version) {
    auto http = client();
    auto result = http->Put(fmt::format("/api/v1/models/{}/aliases/{}", model, alias),
                            fmt::format(R"({{"version":{}}})", version), "application/json");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
  }

  testing::ScratchDir scratch_{"validate-registry-test"};
};

TEST_F(ValidateRegistryTest, ReferenceIsTheProductionModelsTrainingSet) {
  start();
  const fs::path old_fleet = simulate(scratch_, "old.csv", "--seed 7");
  const fs::path warm_fleet = simulate(scratch_, "warm.csv", "--seed 7 --ambient 35");
  add_dataset("fleet", old_fleet);   // version 1: the production model's training set
  add_dataset("fleet", warm_fleet);  // version 2: newer data, not a reference
  add_model("fault-model", testing::model_bytes(1),
            R"({"format":"native","dataset":{"name":"fleet","version":1}})");
  add_model("fault-model", testing::model_bytes(2), R"({"format":"native"})");
  set_alias("fault-model", "production", 1);

  const Outcome o =
      aiotops(scratch_, fmt::format("validate --data registry:fleet@2 --registry {} --json "
                                    "--drift-share 0.25",
                                    url()));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto json = parse(o);
  EXPECT_EQ(json["reference"], "registry:fleet@1");
  EXPECT_EQ(json["data"], "registry:fleet@2");
  EXPECT_TRUE(json["drift"].get<bool>());
  EXPECT_TRUE(json["features"]["temperature"]["drift"].get<bool>());

  // A production model without a recorded training set cannot give a reference.
  set_alias("fault-model", "production", 2);
  const Outcome orphan = aiotops(
      scratch_, fmt::format("validate --data {} --registry {} --json", warm_fleet.string(), url()));
  EXPECT_EQ(orphan.exit_code, 2);
  EXPECT_THAT(orphan.err, HasSubstr("model fault-model@production (version 2) records no "
                                    "training dataset"));
  // Nor a model name the registry does not know.
  const Outcome unknown =
      aiotops(scratch_, fmt::format("validate --data {} --registry {} --model-name pump",
                                    warm_fleet.string(), url()));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("model pump@production"));
}

}  // namespace
}  // namespace aiotops
