#include "sim/simulate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "sim/manifest.h"
#include "support/scratch_dir.h"

namespace aiotops::sim {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class SimulateTest : public ::testing::Test {
 protected:
  static FleetOptions options() {
    FleetOptions o;
    o.devices = 3;
    o.duration = std::chrono::hours(2);
    o.interval = std::chrono::seconds(30);
    o.faults = {parse_fault_spec("motor-2:bearing-wear@30m").value(),
                parse_fault_spec("motor-3:sensor-stuck@1h:sound").value()};
    return o;
  }
  aiotops::testing::ScratchDir dir_{"simulate-test"};
};

TEST_F(SimulateTest, WritesCsvAndManifest) {
  SimOutputOptions output;
  output.out = dir_ / "fleet.csv";
  auto summary = simulate_to_file(options(), output);
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  EXPECT_EQ(summary->rows, 3u * 240u);
  EXPECT_EQ(summary->devices, 3u);
  EXPECT_EQ(summary->faults.size(), 2u);
  EXPECT_EQ(summary->manifest, dir_ / "fleet.csv.faults.json");

  std::string csv = read_file(output.out).value();
  EXPECT_THAT(csv, StartsWith("deviceID,timeStamp,current,temperature,vibration,sound,label,"
                              "fault_type\nmotor-1,1700000000000,"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 720);
  EXPECT_THAT(csv, HasSubstr(",1,bearing-wear\n"));
  EXPECT_THAT(csv, HasSubstr(",0,sensor-stuck\n"));

  auto manifest = nlohmann::json::parse(read_file(summary->manifest).value());
  EXPECT_EQ(manifest["format"], "aiotops-sim-faults");
  EXPECT_EQ(manifest["version"], kManifestVersion);
  EXPECT_EQ(manifest["seed"], 1);
  EXPECT_EQ(manifest["devices"], 3);
  EXPECT_EQ(manifest["start_ms"], kDefaultStartMs);
  EXPECT_EQ(manifest["interval_ms"], 30'000);
  EXPECT_EQ(manifest["end_ms"], kDefaultStartMs + 239 * 30'000);
  EXPECT_EQ(manifest["feature_kind"], "raw");
  ASSERT_EQ(manifest["faults"].size(), 2u);
  const auto& wear = manifest["faults"][0];
  EXPECT_EQ(wear["device"], "motor-2");
  EXPECT_EQ(wear["fault"], "bearing-wear");
  EXPECT_EQ(wear["source"], "scheduled");
  EXPECT_EQ(wear["onset_ms"], kDefaultStartMs + 1'800'000);
  EXPECT_EQ(wear["label_ms"], *summary->faults[0].label_ms);
  EXPECT_EQ(wear["parameters"]["label_severity"], 0.4);
  EXPECT_TRUE(wear["parameters"].contains("ramp_s"));
  EXPECT_TRUE(wear["parameters"].contains("bearing_defect_index"));
  const auto& stuck = manifest["faults"][1];
  EXPECT_TRUE(stuck["label_ms"].is_null());
  EXPECT_EQ(stuck["parameters"]["sensor"], "sound");
}

TEST_F(SimulateTest, JsonLinesInTheReferenceFormatWithFftFlag) {
  FleetOptions o = options();
  o.esp32_fft = true;
  o.duration = std::chrono::minutes(2);
  o.faults.clear();
  SimOutputOptions output;
  output.out = dir_ / "fleet.jsonl";
  output.format = telemetry::ReadingFormat::kJsonLines;
  output.precision = 1;
  ASSERT_TRUE(simulate_to_file(o, output).has_value());
  std::string text = read_file(output.out).value();
  EXPECT_THAT(text,
              ::testing::ContainsRegex(
                  R"(^\{"deviceID":"motor-1","timeStamp":1700000000000,"current":[0-9]+\.[0-9],)"
                  R"("temperature":[0-9]+\.[0-9],"vibration":[0-9]+\.[0-9],"sound":[0-9]+\.[0-9],)"
                  R"("fft_data":"true","label":0,"fault_type":"none"\})"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 12);
  auto manifest = nlohmann::json::parse(read_file(dir_ / "fleet.jsonl.faults.json").value());
  EXPECT_EQ(manifest["feature_kind"], "esp32-fft");
}

TEST_F(SimulateTest, SameOptionsSameBytes) {
  SimOutputOptions a, b;
  a.out = dir_ / "a.csv";
  b.out = dir_ / "b.csv";
  ASSERT_TRUE(simulate_to_file(options(), a).has_value());
  ASSERT_TRUE(simulate_to_file(options(), b).has_value());
  EXPECT_EQ(read_file(a.out).value(), read_file(b.out).value());
  EXPECT_EQ(read_file(manifest_path(a.out)).value(), read_file(manifest_path(b.out)).value());
}

TEST_F(SimulateTest, BadOptionsWriteNothing) {
  FleetOptions o = options();
  o.faults.push_back(parse_fault_spec("motor-9:cooling-failure@1h").value());
  SimOutputOptions output;
  output.out = dir_ / "fleet.csv";
  auto summary = simulate_to_file(o, output);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().code(), ErrorCode::kInvalidArgument);
  output.precision = 12;
  EXPECT_FALSE(simulate_to_file(options(), output).has_value());
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(SimulateTest, UnwritableDirectoryIsAnIoError) {
  SimOutputOptions output;
  output.out = dir_ / "missing" / "fleet.csv";
  auto summary = simulate_to_file(options(), output);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace aiotops::sim
