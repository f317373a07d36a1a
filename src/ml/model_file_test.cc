#include "ml/model_file.h"

#include <filesystem>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "common/files.h"
#include "ml/logistic.h"
#include "ml/naive_bayes.h"
#include "ml/test_data.h"
#include "support/scratch_dir.h"

namespace aiotops::ml {
namespace {

namespace fs = std::filesystem;
using testing::make_linear_data;

const std::string kHash(64, 'a');

ModelMetadata metadata_for(size_t features) {
  ModelMetadata m;
  for (size_t i = 0; i < features; ++i) m.feature_names.push_back(fmt::format("f{}", i));
  m.label_name = "fault";
  m.threshold = {
      .value = 0.4, .rule = "max-f1", .target_recall = std::nullopt, .chosen_on = "validation"};
  m.metrics = {{"test", {{"roc_auc", 0.9}, {"rows", 10}}}};
  m.training = {.dataset_sha256 = kHash,
                .train_rows = 300,
                .validation_rows = 50,
                .test_rows = 50,
                .train_positives = 100,
                .train_negatives = 200,
                .seed = 7,
                .options = {{"C", 1.0}},
                .feature_ranges = {}};
  for (size_t i = 0; i < features; ++i) {
    m.training.feature_ranges.push_back({-1.5 - static_cast<double>(i), 2.25});
  }
  m.tool_version = "0.1.0";
  m.created = "2025-01-31T12:00:00Z";
  return m;
}

// A trained model on raw (unstandardized) features, plus its training rows.
struct Fixture {
  Matrix raw;
  Model model;
};

Fixture make_fixture() {
  auto data = make_linear_data(300, {1.0, -0.5, 0.25}, 0.1, false, 41);
  Matrix raw = (data.x.array() * 3.0 + 10.0).matrix();
  std::vector<std::string> names{"f0", "f1", "f2"};
  auto scaler = Scaler::fit(raw, names);
  EXPECT_TRUE(scaler.has_value());
  auto classifier = train_logistic(scaler->transform(raw), data.labels, data.weights);
  EXPECT_TRUE(classifier.has_value());
  auto model = Model::create(std::move(*scaler), std::move(*classifier), metadata_for(3));
  EXPECT_TRUE(model.has_value()) << model.error().message();
  return {std::move(raw), std::move(*model)};
}

class ModelFileTest : public ::testing::Test {
 protected:
  aiotops::testing::ScratchDir dir_{"model-file-test"};
};

TEST_F(ModelFileTest, SaveLoadRoundTripGivesIdenticalScores) {
  Fixture f = make_fixture();
  const fs::path path = dir_ / "model.json";
  ASSERT_TRUE(save_model(f.model, path).has_value());
  auto loaded = load_model(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(model_to_json(*loaded), model_to_json(f.model));
  const Vector before = f.model.score_batch(f.raw);
  const Vector after = loaded->score_batch(f.raw);
  for (Eigen::Index r = 0; r < f.raw.rows(); ++r) {
    EXPECT_EQ(before(r), after(r));
    const std::span<const double> row{f.raw.row(r).data(), 3};
    EXPECT_EQ(loaded->score(row), f.model.score(row));
    EXPECT_NEAR(loaded->score(row), before(r), 1e-15);
  }
  EXPECT_EQ(loaded->metadata().threshold.value, 0.4);
  EXPECT_EQ(loaded->metadata().training.seed, 7u);
}

TEST_F(ModelFileTest, ScoreStandardizesRawRows) {
  Fixture f = make_fixture();
  std::vector<double> standardized(3);
  f.model.scaler().transform_row({f.raw.row(5).data(), 3}, standardized);
  EXPECT_EQ(f.model.score({f.raw.row(5).data(), 3}),
            f.model.classifier().predict_proba(standardized));
}

TEST_F(ModelFileTest, ResourceFiguresAndAlertLevels) {
  Fixture f = make_fixture();
  const ResourceFigures r = f.model.resources();
  EXPECT_EQ(r.parameters, 4u);
  EXPECT_EQ(r.macs, 3u);
  EXPECT_EQ(r.model_bytes, 4u * (4 + 6));
  EXPECT_EQ(f.model.alert_level(0.0).name, "no-fault");
  EXPECT_EQ(f.model.alert_level(0.49).name, "no-fault");
  EXPECT_EQ(f.model.alert_level(0.5).name, "potential-failure");
  EXPECT_EQ(f.model.alert_level(0.8).name, "immediate-failure");
  EXPECT_EQ(f.model.alert_level(1.0).name, "immediate-failure");
}

TEST_F(ModelFileTest, FailedSaveLeavesNoFile) {
  Fixture f = make_fixture();
  const fs::path path = dir_ / "missing-dir" / "model.json";
  EXPECT_FALSE(save_model(f.model, path).has_value());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.parent_path()));
}

TEST_F(ModelFileTest, CreateRejectsInconsistentParts) {
  Fixture f = make_fixture();
  auto scaler = Scaler::from_json(f.model.scaler().to_json(), 3);
  auto classifier = logistic_from_json(f.model.classifier().parameters_to_json());
  ASSERT_TRUE(scaler && classifier);
  auto model = Model::create(std::move(*scaler), std::move(*classifier), metadata_for(2));
  ASSERT_FALSE(model.has_value());
  EXPECT_EQ(model.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(model.error().message().find("'scaler'"), std::string::npos);
}

TEST_F(ModelFileTest, RejectsNonJson) {
  const fs::path path = dir_ / "model.json";
  ASSERT_TRUE(write_file_atomic(path, "{\"format\": ").has_value());
  auto loaded = load_model(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(loaded.error().message().find(path.string()), std::string::npos);
}

struct Corruption {
  std::string field;  // must appear quoted in the message
  std::function<void(nlohmann::json&)> apply;
};

TEST_F(ModelFileTest, CorruptedFilesAreRejectedNamingTheField) {
  Fixture f = make_fixture();
  const nlohmann::json good = model_to_json(f.model);
  const std::vector<Corruption> corruptions = {
      {"format", [](auto& j) { j["format"] = "onnx"; }},
      {"format_version", [](auto& j) { j["format_version"] = 2; }},
      {"format_version", [](auto& j) { j.erase("format_version"); }},
      {"kind", [](auto& j) { j["kind"] = "forest"; }},
      {"features", [](auto& j) { j["features"] = nlohmann::json::array(); }},
      {"features[1]", [](auto& j) { j["features"][1] = "f0"; }},
      {"label", [](auto& j) { j["label"] = 3; }},
      {"scaler.mean", [](auto& j) { j["scaler"]["mean"].push_back(1.0); }},
      {"scaler.scale[2]", [](auto& j) { j["scaler"]["scale"][2] = -1.0; }},
      {"parameters.weights", [](auto& j) { j["parameters"].erase("weights"); }},
      {"parameters", [](auto& j) { j["parameters"]["weights"].push_back(0.5); }},
      {"threshold.value", [](auto& j) { j["threshold"]["value"] = 1.5; }},
      {"threshold.rule", [](auto& j) { j["threshold"]["rule"] = "best"; }},
      {"threshold.target_recall", [](auto& j) { j["threshold"]["target_recall"] = 0.9; }},
      {"threshold.chosen_on", [](auto& j) { j["threshold"]["chosen_on"] = "test"; }},
      {"alert_levels[1]", [](auto& j) { j["alert_levels"][1]["from"] = 0.0; }},
      {"alert_levels[0].name", [](auto& j) { j["alert_levels"][0].erase("name"); }},
      {"metrics.test", [](auto& j) { j["metrics"]["test"] = 1; }},
      {"training.dataset_sha256", [](auto& j) { j["training"]["dataset_sha256"] = "abc"; }},
      {"training.rows.test", [](auto& j) { j["training"]["rows"]["test"] = -1; }},
      {"training.class_balance", [](auto& j) { j["training"]["class_balance"]["positives"] = 1; }},
      {"training.seed", [](auto& j) { j["training"]["seed"] = "7"; }},
      {"training.feature_ranges.max",
       [](auto& j) { j["training"]["feature_ranges"]["max"].erase(0); }},
      {"training.feature_ranges.min[1]",
       [](auto& j) { j["training"]["feature_ranges"]["min"][1] = "low"; }},
      {"training.feature_ranges", [](auto& j) { j["training"]["feature_ranges"]["min"][2] = 9; }},
      {"training.feature_ranges",
       [](auto& j) {
         j["training"]["feature_ranges"] = {{"min", {1.0, 2.0}}, {"max", {3.0, 4.0}}};
       }},
      {"resources.parameters", [](auto& j) { j["resources"]["parameters"] = 99; }},
      {"resources.model_bytes", [](auto& j) { j["resources"].erase("model_bytes"); }},
      {"created", [](auto& j) { j.erase("created"); }},
      {"tool_version", [](auto& j) { j["tool_version"] = nullptr; }},
  };
  for (const Corruption& c : corruptions) {
    nlohmann::json bad = good;
    c.apply(bad);
    const fs::path path = dir_ / "bad.json";
    ASSERT_TRUE(write_file_atomic(path, bad.dump()).has_value());
    auto loaded = load_model(path);
    ASSERT_FALSE(loaded.has_value()) << c.field;
    EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt) << loaded.error().message();
    EXPECT_NE(loaded.error().message().find("'" + c.field + "'"), std::string::npos)
        << "expected field '" << c.field << "' in: " << loaded.error().message();
  }
}

TEST_F(ModelFileTest, FeatureRangesRoundTripAndAreOptional) {
  Fixture f = make_fixture();
  nlohmann::json document = nlohmann::json::parse(model_to_json(f.model).dump());
  EXPECT_EQ(document["training"]["feature_ranges"]["min"], nlohmann::json({-1.5, -2.5, -3.5}));
  EXPECT_EQ(document["training"]["feature_ranges"]["max"], nlohmann::json({2.25, 2.25, 2.25}));
  auto loaded = model_from_json(document);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  ASSERT_EQ(loaded->metadata().training.feature_ranges.size(), 3u);
  EXPECT_EQ(loaded->metadata().training.feature_ranges[1].min, -2.5);
  EXPECT_EQ(loaded->metadata().training.feature_ranges[1].max, 2.25);

  // Files written before the field existed load without ranges and are written back without.
  document["training"].erase("feature_ranges");
  auto old = model_from_json(document);
  ASSERT_TRUE(old.has_value()) << old.error().message();
  EXPECT_TRUE(old->metadata().training.feature_ranges.empty());
  EXPECT_FALSE(model_to_json(*old)["training"].contains("feature_ranges"));
}

TEST_F(ModelFileTest, OtherKindsRoundTrip) {
  auto data = make_linear_data(200, {1.0, 2.0, -1.0}, 0.0, false, 42);
  auto scaler = Scaler::fit(data.x, std::vector<std::string>{"f0", "f1", "f2"});
  auto nb = train_naive_bayes(scaler->transform(data.x), data.labels, data.weights);
  ASSERT_TRUE(scaler && nb);
  auto model = Model::create(std::move(*scaler), std::move(*nb), metadata_for(3));
  ASSERT_TRUE(model.has_value()) << model.error().message();
  auto loaded = model_from_json(nlohmann::json::parse(model_to_json(*model).dump()));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->classifier().kind(), ModelKind::kNaiveBayes);
  EXPECT_EQ(loaded->score({data.x.row(0).data(), 3}), model->score({data.x.row(0).data(), 3}));
}

}  // namespace
}  // namespace aiotops::ml
