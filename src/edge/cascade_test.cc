#include "edge/cascade.h"

#include <vector>

#include <gtest/gtest.h>

#include "edge/outbound_json.h"
#include "edge/test_models.h"
#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

std::shared_ptr<const LoadedModel> load(std::string_view bytes, std::string_view origin) {
  auto model = LoadedModel::from_bytes(bytes, origin, {});
  if (!model) {
    ADD_FAILURE() << model.error().message();
    std::abort();
  }
  return *model;
}

// A cascade model on two of the primary's features, in another order: torque, air temperature.
std::string two_feature_model() {
  auto graph = tflite::lower_to_graph(testing::native_model());
  if (!graph) std::abort();
  graph->inputs = 2;
  graph->layers[0].inputs = 2;
  graph->layers[0].weights = {0.5f, -0.25f};
  graph->layers[0].bias = {0.1f};
  graph->metadata.model_version = "cascade";
  graph->metadata.feature_names = {"torque_nm", "air_temperature_k"};
  graph->metadata.training_min.clear();
  graph->metadata.training_max.clear();
  return testing::must(tflite::write_tflite(*graph));
}

// The float primary model and the two-feature cascade model.
ModelSet cascade_set() {
  ModelSet set;
  set.primary = load(testing::float_tflite(testing::native_model()), "p");
  set.cascade = load(two_feature_model(), "c");
  set.cascade_inputs = {3, 0};
  return set;
}

CascadeScorer scorer(CascadeOptions options) {
  auto s = CascadeScorer::create(0, options);
  if (!s) std::abort();
  return std::move(*s);
}

TEST(CascadeTest, ThePrimaryDecidesOutsideTheUncertainBand) {
  const ModelSet set = cascade_set();
  // A band that no score reaches, then one that every score falls in.
  CascadeScorer never = scorer({.low = 0.0, .high = 0.0});
  CascadeScorer always = scorer({.low = 0.0, .high = 1.0});
  for (const auto& row : testing::rows(30)) {
    auto primary = set.primary->score(0, row);
    ASSERT_TRUE(primary);
    auto p = never.decide(set, row);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->stage, kPrimaryStage);
    EXPECT_EQ(p->model, set.primary.get());
    EXPECT_EQ(p->score, *primary);
    EXPECT_EQ(p->primary_score, *primary);
    EXPECT_FALSE(p->cascade_score);

    auto c = always.decide(set, row);
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_EQ(c->stage, kCascadeStage);
    EXPECT_EQ(c->model, set.cascade.get());
    EXPECT_EQ(c->model->info().version, "logistic:cascade");
    EXPECT_EQ(c->primary_score, *primary);
    const std::vector<double> mapped{row[3], row[0]};
    EXPECT_EQ(c->cascade_score, set.cascade->score(0, mapped).value());
    EXPECT_EQ(c->score, *c->cascade_score);
  }
  EXPECT_EQ(never.consulted(), 0u);
  EXPECT_EQ(always.consulted(), 30u);
}

TEST(CascadeTest, TheBandIsHalfOpen) {
  const ModelSet set = cascade_set();
  const auto row = testing::rows(1)[0];
  const double primary = set.primary->score(0, row).value();
  CascadeScorer from = scorer({.low = primary, .high = 1.0});
  CascadeScorer below = scorer({.low = 0.0, .high = primary});
  EXPECT_EQ(from.decide(set, row)->stage, kCascadeStage);
  EXPECT_EQ(below.decide(set, row)->stage, kPrimaryStage);
}

TEST(CascadeTest, WithoutACascadeModelThePrimaryAlwaysDecides) {
  ModelSet set;
  set.primary = load(testing::native_bytes(testing::native_model()), "p");
  CascadeScorer s = scorer({.low = 0.0, .high = 1.0});
  auto d = s.decide(set, testing::rows(1)[0]);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->stage, kPrimaryStage);
  EXPECT_EQ(s.consulted(), 0u);
  EXPECT_FALSE(s.decide(set, std::vector<double>(2, 0.0)));  // wrong row size
}

TEST(CascadeTest, WarmDecisionsDoNotAllocate) {
  const ModelSet set = cascade_set();
  CascadeScorer s = scorer({.low = 0.0, .high = 1.0});
  const auto rows = testing::rows(50);
  ASSERT_TRUE(s.decide(set, rows[0]));
  const size_t before = aiotops::testing::allocation_count();
  for (const auto& row : rows) ASSERT_TRUE(s.decide(set, row));
  EXPECT_EQ(aiotops::testing::allocation_count(), before);
}

TEST(CascadeTest, BadBandsAreRefused) {
  EXPECT_FALSE(CascadeScorer::create(0, {.low = 0.7, .high = 0.3}));
  EXPECT_FALSE(CascadeScorer::create(0, {.low = -0.1, .high = 0.3}));
  EXPECT_FALSE(CascadeScorer::create(0, {.low = 0.1, .high = 1.3}));
}

}  // namespace
}  // namespace aiotops::edge
