#include "pipeline/image_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

using ::testing::HasSubstr;

TEST(ImageMap, FileEntriesComeFirstThenTheBuiltinImages) {
  testing::ScratchDir dir;
  const auto file = dir / "images.yaml";
  ASSERT_TRUE(write_file_atomic(file, R"(images:
  - image: "*/training-module:*"
    command: [sh, -c, "echo trained"]
  - image: "registry.local/prep:*"
    builtin: extract
)"));
  auto map = ImageMap::load(file);
  ASSERT_TRUE(map) << map.error().message();
  auto train = map->find("ghcr.io/x/training-module:1.2");
  ASSERT_TRUE(train);
  EXPECT_EQ(train->command, (std::vector<std::string>{"sh", "-c", "echo trained"}));
  EXPECT_EQ(train->location.line, 2);
  EXPECT_EQ(map->find("registry.local/prep:3")->builtin, "extract");
  EXPECT_EQ(map->find("ghcr.io/x/quantize-module:1")->builtin, "quantize");
  EXPECT_FALSE(map->find("alpine:3.19"));
}

struct BadMap {
  std::string name;
  std::string yaml;
  std::string message;  // after "<file>:"
};

class ImageMapRejects : public ::testing::TestWithParam<BadMap> {};

TEST_P(ImageMapRejects, NamingFileAndLine) {
  testing::ScratchDir dir;
  const auto file = dir / "images.yaml";
  ASSERT_TRUE(write_file_atomic(file, GetParam().yaml));
  auto map = ImageMap::load(file);
  ASSERT_FALSE(map);
  EXPECT_EQ(map.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(map.error().message(), HasSubstr(file.string() + ":" + GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ImageMapRejects,
    ::testing::Values(
        BadMap{"YamlSyntax", "images:\n  - image: [a\n", "3: image map: "},
        BadMap{"NotAList", "images: {image: a}\n", "1: image map: expected a list 'images:'"},
        BadMap{"NoImages", "pictures: []\n", "1: image map: expected a list 'images:'"},
        BadMap{"UnknownTopLevelKey", "images: []\nextra: 1\n",
               "2: image map: unknown field 'extra'"},
        BadMap{"UnknownKey", "images:\n  - image: a\n    builtin: train\n    cmd: [x]\n",
               "4: image map: unknown field 'cmd'"},
        BadMap{"EntryNotAMap", "images:\n  - a\n", "2: image map: an entry must be a mapping"},
        BadMap{"MissingImage", "images:\n  - builtin: train\n",
               "2: image map: entry without 'image'"},
        BadMap{"BothBuiltinAndCommand",
               "images:\n  - image: a\n    builtin: train\n    command: [x]\n",
               "2: image map: image 'a': give exactly one of 'builtin' and 'command'"},
        BadMap{"NeitherBuiltinNorCommand", "images:\n  - image: a\n",
               "2: image map: image 'a': give exactly one of 'builtin' and 'command'"},
        BadMap{"ImageNotAString", "images:\n  - image: [a]\n    builtin: train\n",
               "2: image map: 'image' must be a string"},
        BadMap{"BuiltinNotAString", "images:\n  - image: a\n    builtin: {step: train}\n",
               "3: image map: 'builtin' must be a string"},
        BadMap{"CommandNotAList", "images:\n  - image: a\n    command: echo\n",
               "3: image map: 'command' must be a list"},
        BadMap{"CommandPartNotAString", "images:\n  - image: a\n    command:\n      - [x]\n",
               "4: image map: 'command[]' must be a string"},
        BadMap{"DuplicateImage",
               "images:\n  - image: a\n    builtin: train\n  - image: a\n    command: [x]\n",
               "4: image map: image 'a' is mapped twice (first at line 2)"}),
    [](const auto& info) { return info.param.name; });

// What `pipeline export` writes for a built-in step runs here as that step again.
TEST(ImageMap, TheAiotopsImageRunsItsCommandAsABuiltinStep) {
  const ImageMap map;
  Container exported;
  exported.image = "ghcr.io/aiotops/aiotops:0.1.0";
  exported.command = {"aiotops", "publish", "--promote"};
  const auto mapping = map.find(exported);
  ASSERT_TRUE(mapping);
  EXPECT_EQ(mapping->builtin, "publish");
  EXPECT_EQ(mapping->args, std::vector<std::string>{"--promote"});

  Container other_command = exported;
  other_command.command = {"sh", "-c", "true"};
  EXPECT_FALSE(map.find(other_command));
  Container module;
  module.image = "registry.local/training-module:2";
  EXPECT_EQ(map.find(module)->builtin, "train");
}

}  // namespace
}  // namespace aiotops::pipeline
