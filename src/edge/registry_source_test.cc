#include "edge/registry_source.h"

#include <gtest/gtest.h>

namespace aiotops::edge {
namespace {

using NameAlias = std::pair<std::string, std::string>;

TEST(ParseRegistryModel, NameAndAliasWithProductionByDefault) {
  EXPECT_EQ(parse_registry_model("motor").value(), NameAlias("motor", "production"));
  EXPECT_EQ(parse_registry_model("motor@staging").value(), NameAlias("motor", "staging"));
  EXPECT_EQ(parse_registry_model("motor@latest")->second, "latest");
  for (const char* bad : {"", "@staging", "motor@"}) {
    auto parsed = parse_registry_model(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(RegistrySource, RefusesAMalformedKeyOrUrlBeforeAnyConnection) {
  RegistrySourceOptions options;
  options.url = "http://127.0.0.1:1";
  options.model = "motor";
  options.public_key = "not base64!";
  auto bad_key = RegistrySource::create(options);
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message().find("registry public key"), std::string::npos);

  options.public_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";  // 32 zero bytes
  options.url = "ftp://registry";
  EXPECT_FALSE(RegistrySource::create(options));
  options.url = "http://127.0.0.1:1";
  auto source = RegistrySource::create(options);
  ASSERT_TRUE(source) << source.error().message();
  EXPECT_EQ((*source)->followed(), "motor@production");
  auto not_a_version = (*source)->fetch({ModelRole::kPrimary, "production"});
  ASSERT_FALSE(not_a_version);
  EXPECT_EQ(not_a_version.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiotops::edge
