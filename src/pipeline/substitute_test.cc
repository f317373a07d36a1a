#include "pipeline/substitute.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Substitute, ReplacesEveryVariable) {
  Scope scope;
  scope.set("inputs.parameters.message", "hello");
  scope.set("workflow.name", "demo-x1");
  scope.set("tasks.train.outputs.parameters.model", "/m/1.tflite");
  auto text = substitute(
      "{{ inputs.parameters.message }} from {{workflow.name}}: "
      "{{tasks.train.outputs.parameters.model}}{{workflow.name}}",
      scope);
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(*text, "hello from demo-x1: /m/1.tflitedemo-x1");
}

TEST(Substitute, TextWithoutVariablesIsUnchanged) {
  auto text = substitute("echo {single} }} done", Scope());
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "echo {single} }} done");
}

TEST(Substitute, NamesTheUnresolvedVariable) {
  Scope scope;
  scope.set("inputs.parameters.a", "1");
  auto text = substitute("{{inputs.parameters.a}} {{inputs.parameters.b}}", scope);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(text.error().message(), HasSubstr("unresolved variable '{{inputs.parameters.b}}'"));
}

TEST(Substitute, RejectsUnterminatedBraces) {
  auto text = substitute("echo {{inputs.parameters.a", Scope());
  ASSERT_FALSE(text);
  EXPECT_THAT(text.error().message(), HasSubstr("unterminated '{{'"));
}

TEST(Substitute, ItemsAsArgoPrintsThem) {
  Scope scalar;
  scalar.set_item(nlohmann::json(3));
  EXPECT_EQ(*substitute("n={{item}}", scalar), "n=3");
  Scope text;
  text.set_item(nlohmann::json("motor-7"));
  EXPECT_EQ(*substitute("{{item}}", text), "motor-7");
  Scope map;
  map.set_item(nlohmann::json{{"os", "debian"}, {"version", 12}, {"tags", {"a", "b"}}});
  EXPECT_EQ(*substitute("{{item.os}} {{item.version}} {{item.tags}}", map),
            "debian 12 [\"a\",\"b\"]");
  EXPECT_EQ(*substitute("{{item}}", map), R"({"os":"debian","tags":["a","b"],"version":12})");
}

TEST(Substitute, ListsVariables) {
  auto names = variables_in("a {{x.y}} b {{ z }}{{x.y}}");
  ASSERT_TRUE(names);
  EXPECT_THAT(*names, ElementsAre("x.y", "z", "x.y"));
  EXPECT_FALSE(variables_in("{{open"));
}

TEST(Substitute, LaterSetReplaces) {
  Scope scope;
  scope.set("workflow.status", "Running");
  scope.set("workflow.status", "Failed");
  ASSERT_NE(scope.find("workflow.status"), nullptr);
  EXPECT_EQ(*scope.find("workflow.status"), "Failed");
  EXPECT_EQ(scope.find("workflow.failures"), nullptr);
}

}  // namespace
}  // namespace aiotops::pipeline
