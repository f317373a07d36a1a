#include "edge/model_slot.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "edge/test_models.h"
#include "support/scratch_dir.h"

namespace aiotops::edge {
namespace {

using ::testing::HasSubstr;

LoadOptions with_lanes(size_t lanes) {
  LoadOptions options;
  options.lanes = lanes;
  return options;
}

TEST(ModelSlotTest, LoadsSwapsAndRefuses) {
  ModelSlot slot(with_lanes(1));
  EXPECT_EQ(slot.current(), nullptr);
  EXPECT_EQ(slot.stats().generation, 0u);

  auto first = slot.load_bytes(ModelRole::kPrimary,
                               testing::float_tflite(testing::native_model(), "1"), "a.tflite");
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ((*first)->generation, 1u);
  EXPECT_EQ(slot.current(), *first);
  EXPECT_EQ(slot.current()->primary->info().version, "motor:1");

  // A refused model: the old set keeps serving; counted, with the reason naming the file.
  auto refused = slot.load_bytes(ModelRole::kPrimary, "{\"format\": 1}", "models/broken.json");
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message(), HasSubstr("models/broken.json"));
  EXPECT_EQ(slot.current(), *first);
  SlotStats stats = slot.stats();
  EXPECT_EQ(stats.generation, 1u);
  EXPECT_EQ(stats.swaps, 1u);
  EXPECT_EQ(stats.refusals, 1u);
  EXPECT_EQ(stats.last_error, refused.error().message());

  auto second = slot.load_bytes(ModelRole::kPrimary,
                                testing::float_tflite(testing::native_model(0.5), "2"), "b.tflite");
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ((*second)->generation, 2u);
  EXPECT_EQ(slot.current()->primary->info().version, "motor:2");
  // A snapshot taken before the swap still scores with the model it holds.
  EXPECT_EQ((*first)->primary->info().version, "motor:1");
  EXPECT_TRUE((*first)->primary->score(0, testing::rows(1)[0]));
  EXPECT_EQ(slot.stats().swaps, 2u);
}

TEST(ModelSlotTest, LoadsFilesAndRequests) {
  const aiotops::testing::ScratchDir scratch("model-slot-test");
  const std::filesystem::path& dir = scratch.path();
  ASSERT_TRUE(write_file_atomic(dir / "lr.json", testing::native_bytes(testing::native_model())));
  ModelSlot slot(with_lanes(2));
  auto loaded = slot.load_file(ModelRole::kPrimary, dir / "lr.json");
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ((*loaded)->primary->lanes(), 2u);

  DirectorySource source(dir);
  auto requested = slot.load_request({ModelRole::kPrimary, "lr.json"}, source);
  ASSERT_TRUE(requested) << requested.error().message();
  EXPECT_EQ((*requested)->generation, 2u);
  EXPECT_EQ((*requested)->primary->info().origin, (dir / "lr.json").string());

  auto outside = slot.load_request({ModelRole::kPrimary, "../lr.json"}, source);
  ASSERT_FALSE(outside);
  EXPECT_THAT(outside.error().message(), HasSubstr("'..' is not allowed"));
  auto missing = slot.load_request({ModelRole::kPrimary, "none.json"}, source);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(slot.stats().refusals, 2u);
  EXPECT_EQ(slot.current(), *requested);
}

TEST(ModelSlotTest, CascadeModelFollowsThePrimarysFeatures) {
  ModelSlot slot(with_lanes(1));
  const ml::Model native = testing::native_model();
  auto early = slot.load_bytes(ModelRole::kCascade, testing::native_bytes(native), "c.json");
  ASSERT_FALSE(early);
  EXPECT_THAT(early.error().message(), HasSubstr("no primary model is serving"));

  ASSERT_TRUE(slot.load_bytes(ModelRole::kPrimary, testing::float_tflite(native), "p.tflite"));
  // A cascade model on two of the primary's features, in another order.
  auto graph = tflite::lower_to_graph(native);
  ASSERT_TRUE(graph);
  tflite::Graph two = *graph;
  two.inputs = 2;
  two.layers[0].inputs = 2;
  two.layers[0].weights = {0.5f, -0.25f};
  two.metadata.feature_names = {"torque_nm", "air_temperature_k"};
  two.metadata.training_min.clear();
  two.metadata.training_max.clear();
  auto cascade =
      slot.load_bytes(ModelRole::kCascade, testing::must(tflite::write_tflite(two)), "two.tflite");
  ASSERT_TRUE(cascade) << cascade.error().message();
  EXPECT_EQ((*cascade)->cascade_inputs, (std::vector<size_t>{3, 0}));
  EXPECT_EQ((*cascade)->primary, slot.current()->primary);

  // The primary can be swapped under the cascade model; the cascade model stays.
  auto swapped = slot.load_bytes(ModelRole::kPrimary, testing::native_bytes(native), "p.json");
  ASSERT_TRUE(swapped) << swapped.error().message();
  EXPECT_EQ((*swapped)->cascade, (*cascade)->cascade);

  // A primary that lacks a feature the cascade model needs is refused.
  tflite::Graph other = two;
  other.metadata.feature_names = {"air_temperature_k", "process_temperature_k"};
  auto lacking =
      slot.load_bytes(ModelRole::kPrimary, testing::must(tflite::write_tflite(other)), "o.tflite");
  ASSERT_FALSE(lacking);
  EXPECT_THAT(lacking.error().message(), HasSubstr("needs feature 'torque_nm'"));
  EXPECT_EQ(slot.current(), *swapped);

  auto removed = slot.remove_cascade();
  ASSERT_TRUE(removed);
  EXPECT_EQ((*removed)->cascade, nullptr);
  EXPECT_TRUE((*removed)->cascade_inputs.empty());
  EXPECT_FALSE(slot.remove_cascade());
}

// Readers score while a loader swaps between two models whose scores differ on every row:
// each score must be the one its snapshot's model gives, so it is attributable to exactly one
// version, and a reader never sees an older generation after a newer one.
TEST(ModelSlotTest, ConcurrentReadersWhileSwapping) {
  constexpr size_t kReaders = 3;
  constexpr size_t kSwaps = 40;
  const auto rows = testing::rows(64);
  const std::map<std::string, std::string> files = {
      {"motor:a", testing::float_tflite(testing::native_model(-3.4), "a")},
      {"motor:b", testing::float_tflite(testing::native_model(2.0), "b")}};
  std::map<std::string, std::vector<double>> expected;
  for (const auto& [version, bytes] : files) {
    auto model = LoadedModel::from_bytes(bytes, version, {});
    ASSERT_TRUE(model);
    for (const auto& row : rows) expected[version].push_back((*model)->score(0, row).value());
  }
  for (size_t r = 0; r < rows.size(); ++r)
    ASSERT_NE(expected["motor:a"][r], expected["motor:b"][r]);

  ModelSlot slot(with_lanes(kReaders));
  ASSERT_TRUE(slot.load_bytes(ModelRole::kPrimary, files.at("motor:a"), "a.tflite"));
  std::atomic<bool> swapping{true};
  std::vector<size_t> scored(kReaders, 0);
  std::vector<size_t> wrong(kReaders, 0);
  std::vector<size_t> backwards(kReaders, 0);
  std::vector<std::map<std::string, size_t>> seen(kReaders);
  {
    std::vector<std::jthread> readers;
    for (size_t lane = 0; lane < kReaders; ++lane) {
      readers.emplace_back([&, lane] {
        uint64_t last_generation = 0;
        // Keep reading until the swaps are over, and at least a few hundred messages.
        for (size_t i = 0; swapping.load() || i < 300; ++i) {
          const auto set = slot.current();
          const size_t r = i % rows.size();
          const double score = set->primary->score(lane, rows[r]).value();
          const std::string& version = set->primary->info().version;
          if (score != expected.at(version)[r]) ++wrong[lane];
          if (set->generation < last_generation) ++backwards[lane];
          last_generation = set->generation;
          ++seen[lane][version];
          ++scored[lane];
        }
      });
    }
    for (size_t s = 0; s < kSwaps; ++s) {
      const std::string version = s % 2 == 0 ? "motor:b" : "motor:a";
      auto swapped = slot.load_bytes(ModelRole::kPrimary, files.at(version), version);
      ASSERT_TRUE(swapped) << swapped.error().message();
      EXPECT_EQ((*swapped)->primary->info().version, version);
    }
    swapping = false;
  }
  for (size_t lane = 0; lane < kReaders; ++lane) {
    EXPECT_GE(scored[lane], 300u);
    EXPECT_EQ(wrong[lane], 0u) << "lane " << lane;
    EXPECT_EQ(backwards[lane], 0u) << "lane " << lane;
    EXPECT_EQ(seen[lane]["motor:a"] + seen[lane]["motor:b"], scored[lane]);
  }
  EXPECT_EQ(slot.stats().generation, kSwaps + 1);
  EXPECT_EQ(slot.current()->primary->info().version, "motor:a");
}

}  // namespace
}  // namespace aiotops::edge
