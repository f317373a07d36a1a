#include "quant/hardware_budget.h"

#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quant/report.h"

namespace aiotops::quant {
namespace {

using ::testing::HasSubstr;

TEST(HardwareBudgetTest, EveryClassHasABudgetAndTheEsp32ArenaIs20000Bytes) {
  std::set<std::string_view> targets;
  for (const HardwareBudget& budget : hardware_budgets()) {
    targets.insert(budget.target);
    EXPECT_GT(budget.max_model_bytes, 0u) << budget.target;
    EXPECT_GT(budget.max_arena_bytes, 0u) << budget.target;
  }
  EXPECT_EQ(targets, (std::set<std::string_view>{"esp32", "coral-tpu", "jetson", "rpi", "x86"}));
  auto esp32 = hardware_budget("esp32");
  ASSERT_TRUE(esp32) << esp32.error().message();
  EXPECT_EQ(esp32->max_arena_bytes, 20000u);
  auto unknown = hardware_budget("esp8266");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(unknown.error().message(), HasSubstr("esp32, coral-tpu, jetson, rpi or x86"));
}

QuantReport report_of(size_t model_bytes, size_t arena_bytes) {
  QuantReport report;
  report.eval_source = "unlabelled.csv";  // no metrics: a byte budget needs none
  report.selected.model_bytes = model_bytes;
  report.selected.arena_bytes = arena_bytes;
  return report;
}

TEST(HardwareBudgetTest, TheGateRefusesAModelOverEitherLimit) {
  GateLimits limits;
  limits.target = "esp32";
  limits.max_model_bytes = 4000;
  limits.max_arena_bytes = 20000;
  auto fits = apply_gate(report_of(4000, 20000), limits);
  ASSERT_TRUE(fits) << fits.error().message();
  EXPECT_TRUE(fits->checked);
  EXPECT_TRUE(fits->passed);

  auto arena = apply_gate(report_of(3000, 20001), limits);
  ASSERT_TRUE(arena) << arena.error().message();
  EXPECT_FALSE(arena->passed);
  ASSERT_EQ(arena->reasons.size(), 1u);
  EXPECT_EQ(arena->reasons[0],
            "the tensor arena needs 20001 bytes, over the esp32 budget of 20000 bytes");

  auto both = apply_gate(report_of(5000, 30000), limits);
  ASSERT_TRUE(both);
  ASSERT_EQ(both->reasons.size(), 2u);
  EXPECT_EQ(both->reasons[0],
            "the .tflite file is 5000 bytes, over the esp32 budget of 4000 bytes (flash)");

  GateLimits flash_only;
  flash_only.max_model_bytes = 100;
  auto unnamed = apply_gate(report_of(101, 1 << 30), flash_only);
  ASSERT_TRUE(unnamed);
  ASSERT_EQ(unnamed->reasons.size(), 1u);
  EXPECT_THAT(unnamed->reasons[0], HasSubstr("over the budget of 100 bytes"));
}

TEST(HardwareBudgetTest, TheReportNamesTheLimits) {
  GateLimits limits;
  limits.target = "rpi";
  limits.max_arena_bytes = 64;
  const QuantReport report = report_of(10, 96);
  auto gate = apply_gate(report, limits);
  ASSERT_TRUE(gate);
  const nlohmann::json json = to_json(report, limits, *gate);
  EXPECT_EQ(json["gate"]["target"], "rpi");
  EXPECT_EQ(json["gate"]["max_arena_bytes"], 64);
  EXPECT_TRUE(json["gate"]["max_model_bytes"].is_null());
  EXPECT_EQ(json["gate"]["passed"], false);
}

}  // namespace
}  // namespace aiotops::quant
