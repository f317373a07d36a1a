#include "extract/annotations.h"

#include <gtest/gtest.h>

#include <cmath>

namespace aiotops::extract {
namespace {

using telemetry::Dataset;

// Readings of devices m1 and m2 at the given times; every feature 1.
Dataset readings(std::vector<std::pair<std::string, int64_t>> rows) {
  Dataset d;
  d.feature_names = {"a"};
  for (auto& [device, t] : rows) {
    d.features.push_back(1);
    d.device_ids.push_back(device);
    d.timestamps_ms.push_back(t);
  }
  return d;
}

TEST(AnnotationsTest, IntervalsIncludeTheirStartAndExcludeTheirEnd) {
  auto annotations = parse_annotations(
      "device,from,to,label,fault_type\n"
      "m1,1000,2000,1,bearing-wear\n"
      "m1,2000,3000,0,none\n",
      "maint.csv");
  ASSERT_TRUE(annotations) << annotations.error().message();
  ASSERT_EQ(annotations->size(), 2u);
  EXPECT_EQ((*annotations)[0].line, 2u);
  Dataset d = readings({{"m1", 999}, {"m1", 1000}, {"m1", 1999}, {"m1", 2000}, {"m2", 1500}});
  const LabelReport report = apply_annotations(d, *annotations);
  EXPECT_EQ(d.labels, (std::vector<double>{0, 1, 1, 0, 0}));
  EXPECT_EQ(d.fault_types,
            (std::vector<std::string>{"none", "bearing-wear", "bearing-wear", "none", "none"}));
  EXPECT_EQ(d.label_name, "label");
  EXPECT_EQ(report.rows_in_intervals, 3u);
  EXPECT_EQ(report.rows_outside, 2u);
  EXPECT_EQ(report.rows_left_out, 0u);
}

TEST(AnnotationsTest, OutsideReadingsTakeTheConfiguredLabelOrAreLeftOut) {
  auto annotations = parse_annotations("m1,2026-11-26T14:00:00Z,2026-11-26T15:00:00Z,1\n", "a.csv");
  ASSERT_TRUE(annotations) << annotations.error().message();
  const int64_t t = 1'795'701'600'000;
  Dataset d = readings({{"m1", t - 1}, {"m1", t}, {"m1", t + 3'600'000}});
  Dataset labelled_two = d;
  apply_annotations(labelled_two, *annotations, {.outside_label = 2});
  EXPECT_EQ(labelled_two.labels, (std::vector<double>{2, 1, 2}));
  EXPECT_TRUE(labelled_two.fault_types.empty());  // the file names no fault types
  const LabelReport report = apply_annotations(d, *annotations, {.outside_label = std::nullopt});
  EXPECT_EQ(report.rows_left_out, 2u);
  ASSERT_EQ(d.rows(), 1u);
  EXPECT_EQ(d.timestamps_ms[0], t);
  EXPECT_EQ(d.labels, (std::vector<double>{1}));
}

TEST(AnnotationsTest, MalformedRecordsNameFileAndLine) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"m1,1000,2000\n", "a.csv:1: expected 4 or 5 fields"},
           {"device,from,to,label\nm1,1000,2000,1\nm1,x,2000,1\n", "a.csv:3: from"},
           {"m1,1000,2000,1\n\nm1,3000,2000,1\n", "a.csv:3: the interval ends before it starts"},
           {"m1,1000,2000,yes\n", "a.csv:1: label: not a finite number"},
           {",1000,2000,1\n", "a.csv:1: empty device"},
           {"m1,1000,2000,1\nm1,1500,2500,0\n", "a.csv:2: overlaps the interval of line 1"},
       }) {
    auto parsed = parse_annotations(c.text, "a.csv");
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find(c.message), std::string::npos)
        << parsed.error().message();
  }
  // Overlaps that agree are fine; other devices never overlap.
  EXPECT_TRUE(parse_annotations("m1,1000,2000,1\nm1,1500,2500,1\nm2,1500,2500,0\n", "a.csv"));
}

}  // namespace
}  // namespace aiotops::extract
