#include "tflite/metadata.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aiotops::tflite {
namespace {

GraphMetadata sample() {
  GraphMetadata m;
  m.model_name = "motor \"7\"";
  m.model_version = "2.1";
  m.feature_names = {"air_temperature_k", "torque_nm"};
  m.threshold = 0.35f;
  m.alert_level_names = {"no-fault", "potential-failure"};
  m.alert_level_from = {0.0f, 0.7f};
  m.dataset_sha256 = std::string(64, 'e');
  return m;
}

TEST(MetadataTest, RoundTrips) {
  const GraphMetadata m = sample();
  auto back = metadata_from_json(metadata_to_json(m));
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->model_name, m.model_name);
  EXPECT_EQ(back->model_version, m.model_version);
  EXPECT_EQ(back->feature_names, m.feature_names);
  EXPECT_EQ(back->threshold, m.threshold);
  EXPECT_EQ(back->alert_level_names, m.alert_level_names);
  EXPECT_EQ(back->alert_level_from, m.alert_level_from);
  EXPECT_EQ(back->dataset_sha256, m.dataset_sha256);
}

TEST(MetadataTest, DeviceStandardizationIsOptional) {
  GraphMetadata m = sample();
  EXPECT_EQ(metadata_to_json(m).find("input_standardization"), std::string::npos);
  m.device_standardize = {{300.0f, 39.99f}, {2.0f, 9.97f}};
  const std::string text = metadata_to_json(m);
  EXPECT_NE(text.find(R"("input_standardization":{"mean":[300.0,39.99],"scale":[2.0,9.97]})"),
            std::string::npos)
      << text;
  auto back = metadata_from_json(text);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->device_standardize.mean, m.device_standardize.mean);
  EXPECT_EQ(back->device_standardize.scale, m.device_standardize.scale);
  auto json = nlohmann::json::parse(text);
  json["input_standardization"]["scale"].erase(1);
  auto bad = metadata_from_json(json.dump());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("input_standardization.scale"), std::string::npos)
      << bad.error().message();
}

TEST(MetadataTest, DocumentFieldsAndShortestFloats) {
  const auto json = nlohmann::json::parse(metadata_to_json(sample()));
  EXPECT_EQ(json["format"], "aiotops-tflite-metadata");
  EXPECT_EQ(json["format_version"], 1);
  EXPECT_EQ(json["features"][1], "torque_nm");
  EXPECT_EQ(json["alert_levels"][1]["name"], "potential-failure");
  EXPECT_EQ(json["dataset_sha256"], std::string(64, 'e'));
  // 0.35f is written as 0.35, not as the double nearest to the float.
  const std::string text = metadata_to_json(sample());
  const size_t at = text.find("\"threshold\":0.35");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_TRUE(text[at + 16] == ',' || text[at + 16] == '}') << text;
  EXPECT_EQ(json["alert_levels"][1]["from"].get<double>(), 0.7);
}

TEST(MetadataTest, RejectsBadDocuments) {
  const auto expect_corrupt = [](std::string_view text, std::string_view part) {
    auto m = metadata_from_json(text);
    ASSERT_FALSE(m.has_value()) << text;
    EXPECT_EQ(m.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(m.error().message().find(part), std::string::npos) << m.error().message();
  };
  expect_corrupt("", "not valid JSON");
  expect_corrupt("[1]", "not an object");
  expect_corrupt(R"({"format": "aiotops-model"})", "field 'format' is 'aiotops-model'");
  auto json = nlohmann::json::parse(metadata_to_json(sample()));
  json["format_version"] = 2;
  expect_corrupt(json.dump(), "field 'format_version' is 2");
  json = nlohmann::json::parse(metadata_to_json(sample()));
  json["features"][0] = 5;
  expect_corrupt(json.dump(), "field 'features[0]' is not a string");
  json = nlohmann::json::parse(metadata_to_json(sample()));
  json["alert_levels"][1].erase("from");
  expect_corrupt(json.dump(), "alert_levels[1].from");
  json = nlohmann::json::parse(metadata_to_json(sample()));
  json.erase("dataset_sha256");
  expect_corrupt(json.dump(), "dataset_sha256");
  json = nlohmann::json::parse(metadata_to_json(sample()));
  json["input_standardization"] = {{"mean", {1, 2, 3, 4}}, {"scale", {1, 0, 1, 1}}};
  expect_corrupt(json.dump(), "input_standardization.scale[1] is 0");
  json["input_standardization"] = {{"mean", {1, 2, 3, 1e39}}, {"scale", {1, 1, 1, 1}}};
  expect_corrupt(json.dump(), "input_standardization.mean[3] is 1e+39");
}

TEST(MetadataTest, TrainingRangeIsOptionalAndOnePerFeature) {
  GraphMetadata m = sample();
  EXPECT_EQ(metadata_to_json(m).find("training_range"), std::string::npos);
  EXPECT_TRUE(metadata_from_json(metadata_to_json(m))->training_min.empty());
  m.training_min = {295.3f, 3.8f};
  m.training_max = {304.5f, 76.6f};
  const std::string text = metadata_to_json(m);
  EXPECT_NE(text.find(R"("training_range":{"max":[304.5,76.6],"min":[295.3,3.8]})"),
            std::string::npos)
      << text;
  auto back = metadata_from_json(text);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->training_min, m.training_min);
  EXPECT_EQ(back->training_max, m.training_max);

  const auto expect_corrupt = [](const nlohmann::json& json, std::string_view part) {
    auto bad = metadata_from_json(json.dump());
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(bad.error().message().find(part), std::string::npos) << bad.error().message();
  };
  auto json = nlohmann::json::parse(text);
  json["training_range"]["min"].push_back(1.0);
  expect_corrupt(json, "training_range.min");
  json = nlohmann::json::parse(text);
  json["training_range"]["max"][1] = 1.0;
  expect_corrupt(json, "training_range: min[1] is above max[1]");
  json["training_range"]["max"][1] = 1e39;
  expect_corrupt(json, "training_range: min[1] or max[1] does not fit in float32");
  json["training_range"] = 3;
  expect_corrupt(json, "training_range");
}

}  // namespace
}  // namespace aiotops::tflite
