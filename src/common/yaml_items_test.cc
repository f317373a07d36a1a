#include "common/yaml_items.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The message of the error parsing `text` gives, or a failure if it parses.
std::string error_of(std::string_view text) {
  auto items = parse_yaml_items(text, "edge.yaml");
  if (items) return "(parsed)";
  EXPECT_EQ(items.error().code(), ErrorCode::kInvalidArgument);
  return items.error().message();
}

TEST(YamlItems, ScalarsAndListsInFileOrderWithTheirLines) {
  auto items = parse_yaml_items(
      "# a comment\n"
      "broker: mqtt://gw:1883\n"
      "qos: 1\n"
      "watch-interval: 500ms\n"
      "watch: true\n"
      "topic:\n"
      "  - plant/+/telemetry\n"
      "  - \"quoted # not a comment\"\n"
      "uncertain-band: [0.4, 0.6]\n"
      "deadband: []\n"
      "client-id: ''\n",
      "edge.yaml");
  ASSERT_TRUE(items) << items.error().message();
  ASSERT_EQ(items->size(), 8u);
  const auto& v = *items;
  EXPECT_EQ(v[0].key, "broker");
  EXPECT_THAT(v[0].values, ElementsAre("mqtt://gw:1883"));
  EXPECT_FALSE(v[0].is_list);
  EXPECT_EQ(v[0].line, 2);
  EXPECT_THAT(v[1].values, ElementsAre("1"));
  EXPECT_THAT(v[2].values, ElementsAre("500ms")) << "units stay as written";
  EXPECT_THAT(v[3].values, ElementsAre("true"));
  EXPECT_EQ(v[4].key, "topic");
  EXPECT_TRUE(v[4].is_list);
  EXPECT_EQ(v[4].line, 6);
  EXPECT_THAT(v[4].values, ElementsAre("plant/+/telemetry", "quoted # not a comment"));
  EXPECT_THAT(v[5].values, ElementsAre("0.4", "0.6"));
  EXPECT_TRUE(v[6].is_list);
  EXPECT_TRUE(v[6].values.empty());
  EXPECT_THAT(v[7].values, ElementsAre(""));
  EXPECT_EQ(v[7].line, 11);
}

TEST(YamlItems, EmptyOrCommentOnlyFilesHaveNoItems) {
  for (const char* text : {"", "\n\n", "# nothing set\n", "---\n"}) {
    auto items = parse_yaml_items(text, "edge.yaml");
    ASSERT_TRUE(items) << text << ": " << items.error().message();
    EXPECT_TRUE(items->empty()) << text;
  }
}

TEST(YamlItems, SyntaxErrorsNameTheFileAndLine) {
  const std::string message = error_of("broker: x\nqos: [1, 2\nworkers: 2\n");
  EXPECT_THAT(message, HasSubstr("edge.yaml:"));
  EXPECT_THAT(message, HasSubstr("YAML syntax"));
  EXPECT_THAT(error_of("a: b\n  c: d: e\n"), HasSubstr("edge.yaml:2: YAML syntax"));
  EXPECT_THAT(error_of("qos: 1\nbroker: a: b\n"), HasSubstr("edge.yaml:2: YAML syntax"));
}

TEST(YamlItems, RefusesShapesThatAreNotAFlatMappingNamingFileLineAndKey) {
  EXPECT_THAT(error_of("- a\n- b\n"), HasSubstr("edge.yaml:1: expected a mapping"));
  EXPECT_THAT(error_of("just text\n"), HasSubstr("expected a mapping"));
  EXPECT_THAT(error_of("qos: 1\nmqtt:\n  broker: x\n"),
              HasSubstr("edge.yaml:2: mqtt: expected a value or a list of values, not a map"));
  EXPECT_THAT(error_of("qos: 1\nbroker:\n"), HasSubstr("edge.yaml:2: broker: no value"));
  EXPECT_THAT(error_of("topic:\n  - a\n  - {x: 1}\n"),
              HasSubstr("edge.yaml:3: topic: list elements must be values, this one is a map"));
  EXPECT_THAT(error_of("topic: [a, [b, c]]\n"), HasSubstr("topic: list elements must be values"));
  EXPECT_THAT(error_of("? [a, b]\n: c\n"), HasSubstr("edge.yaml:1: a key must be a name"));
}

TEST(YamlItems, RefusesAKeyGivenTwice) {
  EXPECT_THAT(error_of("qos: 0\nworkers: 2\nqos: 1\n"),
              HasSubstr("edge.yaml:3: qos: given twice (first on line 1)"));
}

TEST(YamlItems, ReadsAFileAndNamesAMissingOne) {
  testing::ScratchDir dir("yaml-items");
  const auto path = dir / "service.yaml";
  ASSERT_TRUE(write_file_atomic(path, "workers: 2\n"));
  auto items = read_yaml_items(path.string());
  ASSERT_TRUE(items) << items.error().message();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].key, "workers");

  auto missing = read_yaml_items((dir / "absent.yaml").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message(), HasSubstr("absent.yaml"));
}

}  // namespace
}  // namespace aiotops
