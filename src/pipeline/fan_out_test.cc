#include "pipeline/fan_out.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

using ::testing::HasSubstr;

TEST(FanOut, WithItemsAsWritten) {
  TaskCall call;
  call.with_items = {nlohmann::json(1), nlohmann::json("a")};
  auto items = fan_out_items(call, "ignored");
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, call.with_items);
}

TEST(FanOut, WithParamIsAJsonList) {
  TaskCall call;
  call.name = "fan";
  call.with_param = "{{tasks.gen.outputs.result}}";
  auto items = fan_out_items(call, R"([1, "b", {"x": 2}])");
  ASSERT_TRUE(items) << items.error().message();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[2], (nlohmann::json{{"x", 2}}));
  auto empty = fan_out_items(call, "[]");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  call.location = {"wf.yaml", 7, 9};
  auto bad = fan_out_items(call, "{\"x\": 1}");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(),
              HasSubstr("wf.yaml:7: task 'fan': withParam value '{\"x\": 1}' is not a JSON list"));
  EXPECT_FALSE(fan_out_items(call, "not json"));
}

TEST(FanOut, NodeNamesAsArgo) {
  EXPECT_EQ(item_node_name("A", 0, nlohmann::json("foo")), "A(0:foo)");
  EXPECT_EQ(item_node_name("A", 1, nlohmann::json(2.5)), "A(1:2.5)");
  EXPECT_EQ(item_node_name("A", 2, nlohmann::json{{"foo", "bar"}, {"bar", 1}}),
            "A(2:bar:1,foo:bar)");
}

}  // namespace
}  // namespace aiotops::pipeline
