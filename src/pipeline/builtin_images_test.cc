#include "pipeline/builtin_images.h"

#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

TEST(BuiltinImages, TheReferenceModuleImagesAreTheBuiltinSteps) {
  EXPECT_EQ(builtin_step_for_image("docker.35.202.84.160.nip.io:5000/extract_module:latest"),
            "extract");
  EXPECT_EQ(builtin_step_for_image("docker.35.202.84.160.nip.io:5000/validation_module:latest"),
            "validate");
  EXPECT_EQ(builtin_step_for_image("docker.35.202.84.160.nip.io:5000/training-module:latest"),
            "train");
  EXPECT_EQ(builtin_step_for_image("quantize-module"), "quantize");
  EXPECT_EQ(builtin_images().size(), 4u);
}

TEST(BuiltinImages, NameIgnoresRegistryPortTagAndDigest) {
  EXPECT_EQ(image_name("localhost:5000/a/training-module:v2@sha256:abcd"), "training-module");
  EXPECT_EQ(image_name("localhost:5000/training-module"), "training-module");
  EXPECT_EQ(image_name("alpine:3.19"), "alpine");
  EXPECT_EQ(image_name(""), "");
}

TEST(BuiltinImages, OtherImagesAreNotBuiltin) {
  EXPECT_EQ(builtin_step_for_image("alpine:3.19"), std::nullopt);
  EXPECT_EQ(builtin_step_for_image("training-module-v2"), std::nullopt);
  EXPECT_EQ(builtin_step_for_image("training-module.example.com/alpine"), std::nullopt);
}

}  // namespace
}  // namespace aiotops::pipeline
