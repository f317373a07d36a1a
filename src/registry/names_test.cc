#include "registry/names.h"

#include <gtest/gtest.h>

#include <string>

#include "registry/records.h"
#include "registry/tokens.h"

namespace aiotops::registry {
namespace {

TEST(NamesTest, AcceptsPlainNames) {
  for (std::string_view name : {"motor", "motor-lr_v2.int8", "A", "x.y", "0"}) {
    EXPECT_TRUE(validate_name(name, "model name")) << name;
  }
  EXPECT_TRUE(validate_name(std::string(kMaxNameLength, 'a'), "model name"));
}

TEST(NamesTest, RefusesPathsControlBytesAndLength) {
  for (std::string_view name : {"", "..", ".", ".hidden", "a/b", "/etc", "a\\b", "a b", "a\nb",
                                "caf\xc3\xa9", "a:b", "a%2fb"}) {
    auto s = validate_name(name, "model name");
    ASSERT_FALSE(s) << name;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message().find("model name"), std::string::npos);
  }
  auto s = validate_name(std::string(kMaxNameLength + 1, 'a'), "dataset name");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("129 bytes"), std::string::npos);
  // The offending byte is shown by code, never echoed raw.
  auto control = validate_name(std::string("a\x01z"), "model name");
  ASSERT_FALSE(control);
  EXPECT_NE(control.error().message().find("0x01"), std::string::npos);
}

TEST(NamesTest, AliasesAreLowerCaseAndNotVersions) {
  for (std::string_view alias : {"production", "staging", "canary-2", "eu.west_1"}) {
    EXPECT_TRUE(validate_alias(alias)) << alias;
  }
  for (std::string_view alias : {"Production", "3", "42", "latest", "", "..", "a/b", "a b"}) {
    EXPECT_FALSE(validate_alias(alias)) << alias;
  }
}

TEST(NamesTest, DeviceIdsAllowColons) {
  EXPECT_TRUE(validate_device_id("aa:bb:cc:dd:ee:ff"));
  EXPECT_TRUE(validate_device_id("motor-7"));
  EXPECT_FALSE(validate_device_id("../motor"));
  EXPECT_FALSE(validate_device_id("a/b"));
}

TEST(NamesTest, FreeTextRefusesControlCharacters) {
  EXPECT_TRUE(validate_text("", "source"));
  EXPECT_TRUE(validate_text("sim --seed 7 (site 3) ü", "source"));
  EXPECT_FALSE(validate_text("two\nlines", "source"));
  EXPECT_FALSE(validate_text("del\x7f", "source"));
  EXPECT_FALSE(validate_text(std::string(kMaxNameLength * 4 + 1, 'x'), "source"));
}

TEST(RecordsTest, EnumsRoundTripThroughText) {
  for (auto f : {ModelFormat::kNative, ModelFormat::kTfliteFloat, ModelFormat::kTfliteInt8,
                 ModelFormat::kCArray}) {
    EXPECT_EQ(parse_model_format(to_string(f)).value(), f);
  }
  for (auto h : {HardwareClass::kEsp32, HardwareClass::kCoralTpu, HardwareClass::kJetson,
                 HardwareClass::kRpi, HardwareClass::kX86}) {
    EXPECT_EQ(parse_hardware_class(to_string(h)).value(), h);
  }
  for (auto r : {Role::kDevice, Role::kPipeline, Role::kAdmin}) {
    EXPECT_EQ(parse_role(to_string(r)).value(), r);
  }
  EXPECT_EQ(to_string(ModelFormat::kTfliteInt8), "tflite-int8");
  EXPECT_EQ(to_string(HardwareClass::kCoralTpu), "coral-tpu");
  auto bad = parse_hardware_class("arduino");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("esp32, coral-tpu, jetson, rpi, x86"), std::string::npos);
  EXPECT_FALSE(parse_model_format("onnx"));
  EXPECT_FALSE(parse_role("root"));
}

TEST(TokensTest, TokensAreRandomAndOnlyTheirHashIsKept) {
  NewToken a = generate_token();
  NewToken b = generate_token();
  EXPECT_NE(a.secret, b.secret);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.id.size(), 16u);
  EXPECT_TRUE(looks_like_token(a.secret));
  EXPECT_EQ(a.hash, token_hash(a.secret));
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_EQ(a.secret.find(a.hash), std::string::npos);
  EXPECT_FALSE(looks_like_token("aiotops_"));
  EXPECT_FALSE(looks_like_token(a.secret.substr(1)));
  EXPECT_FALSE(looks_like_token("aiotops_" + std::string(64, 'G')));
}

TEST(TokensTest, RolesAreOrdered) {
  EXPECT_TRUE(role_allows(Role::kAdmin, Role::kAdmin));
  EXPECT_TRUE(role_allows(Role::kAdmin, Role::kPipeline));
  EXPECT_TRUE(role_allows(Role::kAdmin, Role::kDevice));
  EXPECT_TRUE(role_allows(Role::kPipeline, Role::kDevice));
  EXPECT_FALSE(role_allows(Role::kPipeline, Role::kAdmin));
  EXPECT_FALSE(role_allows(Role::kDevice, Role::kPipeline));
  EXPECT_FALSE(role_allows(Role::kDevice, Role::kAdmin));
}

}  // namespace
}  // namespace aiotops::registry
