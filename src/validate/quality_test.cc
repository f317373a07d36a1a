#include "validate/quality.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace aiotops::validate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// Two devices reading "temperature" and "current" once a second, alternating rows, with values
// that change every reading; labels 0/1 in a 3:1 ratio.
telemetry::Dataset clean_data(size_t rows = 40) {
  telemetry::Dataset data;
  data.feature_names = {"temperature", "current"};
  data.label_name = "label";
  for (size_t r = 0; r < rows; ++r) {
    data.features.push_back(30.0 + static_cast<double>(r % 7) * 0.1);
    data.features.push_back(800.0 + static_cast<double>(r % 5));
    data.labels.push_back(r % 4 == 0 ? 1 : 0);
    data.device_ids.push_back(r % 2 == 0 ? "motor-1" : "motor-2");
    data.timestamps_ms.push_back(1'000'000 + static_cast<int64_t>(r / 2) * 1000);
  }
  return data;
}

QualityReport check(const telemetry::Dataset& data, const QualityOptions& options = {},
                    const std::map<std::string, ValueRange>& reference = {}) {
  auto report = check_quality(data, reference, options);
  EXPECT_TRUE(report) << report.error().message();
  return report ? *report : QualityReport{};
}

std::vector<const QualityFinding*> findings_of(const QualityReport& report, QualityCheck check) {
  std::vector<const QualityFinding*> found;
  for (const auto& finding : report.findings) {
    if (finding.check == check) found.push_back(&finding);
  }
  return found;
}

TEST(QualityTest, CleanDataPasses) {
  const auto data = clean_data();
  const QualityReport report = check(data, {}, reference_ranges(data));
  EXPECT_TRUE(report.ok);
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_EQ(report.rows, 40u);
  EXPECT_EQ(report.devices, 2u);
}

TEST(QualityTest, MissingValuesPerFeatureWithExamples) {
  auto data = clean_data();
  data.features[5 * 2 + 1] = kNan;  // row 6, current, motor-2
  data.features[8 * 2 + 1] = kNan;  // row 9, current, motor-1
  const QualityReport report = check(data);
  EXPECT_FALSE(report.ok);
  auto missing = findings_of(report, QualityCheck::kMissingValues);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->feature, "current");
  EXPECT_EQ(missing[0]->count, 2u);
  EXPECT_EQ(missing[0]->total, 40u);
  EXPECT_TRUE(missing[0]->fails);
  EXPECT_EQ(missing[0]->message, "current: 2 of 40 values missing (5.00%)");
  ASSERT_EQ(missing[0]->examples.size(), 2u);
  EXPECT_EQ(missing[0]->examples[0].device, "motor-2");
  EXPECT_EQ(missing[0]->examples[0].row, 6u);
  EXPECT_TRUE(std::isnan(missing[0]->examples[0].value));

  // Under the allowed share it is no finding at all.
  QualityOptions tolerant;
  tolerant.max_missing_share = 0.05;
  EXPECT_TRUE(check(data, tolerant).ok);
  EXPECT_THAT(check(data, tolerant).findings, IsEmpty());
}

TEST(QualityTest, OutOfRangeIsAWarningByDefault) {
  const auto reference = clean_data();
  auto data = clean_data();
  // Reference temperature [30, 30.6]: width 0.6, widened by 0.5 -> [29.7, 30.9].
  data.features[3 * 2] = 30.85;  // inside the widened range
  data.features[4 * 2] = 31.5;   // outside
  data.features[7 * 2] = 20.0;   // outside
  const QualityReport report = check(data, {}, reference_ranges(reference));
  EXPECT_TRUE(report.ok);
  auto found = findings_of(report, QualityCheck::kOutOfRange);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->feature, "temperature");
  EXPECT_EQ(found[0]->count, 2u);
  EXPECT_FALSE(found[0]->fails);
  EXPECT_THAT(found[0]->message, HasSubstr("[30, 30.6] widened to [29.7, 30.9]"));
  ASSERT_EQ(found[0]->examples.size(), 2u);
  EXPECT_EQ(found[0]->examples[0].row, 5u);
  EXPECT_EQ(found[0]->examples[0].value, 31.5);
  EXPECT_EQ(found[0]->examples[1].device, "motor-2");

  QualityOptions strict;
  strict.failing.insert(QualityCheck::kOutOfRange);
  EXPECT_FALSE(check(data, strict, reference_ranges(reference)).ok);
  // No reference range for a feature: nothing to compare with.
  EXPECT_THAT(check(data).findings, IsEmpty());
}

TEST(QualityTest, PhysicallyImpossibleValues) {
  auto data = clean_data();
  data.features[10 * 2 + 1] = -3.0;  // negative current
  data.features[11 * 2] = -300.0;    // below absolute zero
  const QualityReport report = check(data);
  EXPECT_FALSE(report.ok);
  auto found = findings_of(report, QualityCheck::kImpossibleValues);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->feature, "temperature");
  EXPECT_EQ(found[0]->examples[0].value, -300.0);
  EXPECT_EQ(found[1]->feature, "current");
  EXPECT_EQ(found[1]->message, "current: 1 of 40 values outside the physical limits [0, inf]");

  QualityOptions custom;
  custom.physical_limits = {{"temperature", {-400, 200}}, {"current", {-10, 2000}}};
  EXPECT_TRUE(check(data, custom).ok);
}

TEST(QualityTest, StuckSensorPerDevice) {
  auto data = clean_data(200);
  // motor-2 (odd rows) reads temperature 33.3 from row 40 on: 80 readings unchanged.
  for (size_t r = 41; r < 200; r += 2) data.features[r * 2] = 33.3;
  const QualityReport report = check(data);
  EXPECT_FALSE(report.ok);
  auto found = findings_of(report, QualityCheck::kStuckSensor);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->feature, "temperature");
  EXPECT_EQ(found[0]->count, 1u);
  ASSERT_EQ(found[0]->examples.size(), 1u);
  EXPECT_EQ(found[0]->examples[0].device, "motor-2");
  EXPECT_EQ(found[0]->examples[0].row, 42u);
  EXPECT_EQ(found[0]->examples[0].value, 33.3);
  EXPECT_EQ(found[0]->examples[0].detail, "unchanged for 80 readings, rows 42-200");

  // A run shorter than the threshold is not stuck.
  QualityOptions longer;
  longer.stuck_readings = 81;
  EXPECT_TRUE(check(data, longer).ok);
  // Runs are per device: both devices reading the same changing values in interleaved rows
  // repeat a value in consecutive rows of the file, but never in one device's readings.
  auto interleaved = clean_data(200);
  for (size_t r = 0; r < 200; ++r) interleaved.features[r * 2] = static_cast<double>(r / 2);
  QualityOptions pairs;
  pairs.stuck_readings = 2;
  EXPECT_TRUE(check(interleaved, pairs).ok);
  interleaved.device_ids.clear();
  EXPECT_FALSE(check(interleaved, pairs).ok);
}

TEST(QualityTest, DuplicateAndOutOfOrderTimestampsPerDevice) {
  auto data = clean_data();
  // Both devices share timestamps (rows 1 and 2): not a duplicate. Row 7 (motor-1) repeats row
  // 5's timestamp; row 10 (motor-2) goes back before row 8.
  data.timestamps_ms[6] = data.timestamps_ms[4];
  data.timestamps_ms[9] = data.timestamps_ms[7] - 500;
  const QualityReport report = check(data);
  EXPECT_FALSE(report.ok);
  auto duplicates = findings_of(report, QualityCheck::kDuplicateTimestamps);
  ASSERT_EQ(duplicates.size(), 1u);
  EXPECT_EQ(duplicates[0]->count, 1u);
  EXPECT_TRUE(duplicates[0]->fails);
  EXPECT_EQ(duplicates[0]->examples[0].device, "motor-1");
  EXPECT_EQ(duplicates[0]->examples[0].row, 7u);
  EXPECT_EQ(duplicates[0]->examples[0].detail, "same timestamp as row 5");
  auto disordered = findings_of(report, QualityCheck::kOutOfOrderTimestamps);
  ASSERT_EQ(disordered.size(), 1u);
  EXPECT_FALSE(disordered[0]->fails);
  EXPECT_EQ(disordered[0]->examples[0].device, "motor-2");
  EXPECT_EQ(disordered[0]->examples[0].row, 10u);
  EXPECT_EQ(disordered[0]->examples[0].detail, "earlier than row 8 (1003000)");

  // Out of order alone passes with the default failing set.
  auto reordered = clean_data();
  reordered.timestamps_ms[9] = reordered.timestamps_ms[7] - 500;
  EXPECT_TRUE(check(reordered).ok);
}

TEST(QualityTest, LabelBalance) {
  auto single = clean_data();
  for (auto& label : single.labels) label = 0;
  QualityReport report = check(single);
  EXPECT_TRUE(report.ok);  // a warning by default
  auto found = findings_of(report, QualityCheck::kLabelBalance);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0]->fails);
  EXPECT_EQ(found[0]->message, "label 'label' is 0 in all 40 rows: a single class");

  auto rare = clean_data(400);
  for (size_t r = 0; r < 400; ++r) rare.labels[r] = r == 17 ? 1 : 0;
  QualityOptions options;
  options.min_minority_share = 0.01;
  options.failing.insert(QualityCheck::kLabelBalance);
  report = check(rare, options);
  EXPECT_FALSE(report.ok);
  found = findings_of(report, QualityCheck::kLabelBalance);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->count, 1u);
  EXPECT_EQ(found[0]->message,
            "label 'label': the minority class 1 has 1 of 400 rows (0.25%), under 1%");
  EXPECT_EQ(found[0]->examples[0].row, 18u);
  options.min_minority_share = 0.002;
  EXPECT_TRUE(check(rare, options).ok);
  // Unlabelled data has no label balance.
  rare.labels.clear();
  EXPECT_TRUE(check(rare).ok);
}

TEST(QualityTest, ExamplesAreCapped) {
  auto data = clean_data();
  for (size_t r = 0; r < 40; ++r) data.features[r * 2 + 1] = kNan;
  QualityOptions options;
  options.max_examples = 3;
  const QualityReport report = check(data, options);
  auto found = findings_of(report, QualityCheck::kMissingValues);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->count, 40u);
  EXPECT_EQ(found[0]->examples.size(), 3u);
}

TEST(QualityTest, CheckNamesAndOptions) {
  for (QualityCheck c : kAllQualityChecks) EXPECT_EQ(parse_quality_check(to_string(c)), c);
  EXPECT_THAT(parse_quality_check("stuck").error().message(),
              HasSubstr("unknown data-quality check 'stuck'"));
  QualityOptions bad;
  bad.stuck_readings = 1;
  EXPECT_THAT(check_quality(clean_data(), {}, bad).error().message(), HasSubstr("stuck"));
  bad = {};
  bad.max_missing_share = 1.5;
  EXPECT_FALSE(check_quality(clean_data(), {}, bad));
  bad = {};
  bad.physical_limits["current"] = {5, 1};
  EXPECT_FALSE(check_quality(clean_data(), {}, bad));
}

}  // namespace
}  // namespace aiotops::validate
