#include "transport/mqtt_options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/scratch_dir.h"

namespace aiotops::transport {
namespace {

namespace fs = std::filesystem;

class MqttOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"ca.pem", "client.pem", "client.key"}) {
      std::ofstream(dir_ / name) << "-----BEGIN CERTIFICATE-----\n";
    }
  }

  std::string path(const char* name) const { return (dir_ / name).string(); }

  static std::string error_of(const MqttOptions& options) {
    auto checked = check_mqtt_options(options);
    if (checked.has_value()) return "";
    EXPECT_EQ(checked.error().code(), ErrorCode::kInvalidArgument);
    return checked.error().message();
  }

  aiotops::testing::ScratchDir dir_{"mqtt-options-test"};
};

TEST_F(MqttOptionsTest, DefaultsAreUsable) {
  auto address = check_mqtt_options({});
  ASSERT_TRUE(address.has_value()) << address.error().message();
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 1883);
}

TEST_F(MqttOptionsTest, AcceptsAFullTlsPersistentSetup) {
  MqttOptions options;
  options.broker_url = "mqtts://broker:8884";
  options.tls.ca_file = path("ca.pem");
  options.tls.cert_file = path("client.pem");
  options.tls.key_file = path("client.key");
  options.username = "gateway";
  options.password = "secret";
  options.client_id = "edge-1";
  options.clean_session = false;
  options.subscriptions = {{"plant/+/motor/#", 1}, {"shaded-pole-motor-sensor_data", 0}};
  auto address = check_mqtt_options(options);
  ASSERT_TRUE(address.has_value()) << address.error().message();
  EXPECT_TRUE(address->tls);
}

TEST_F(MqttOptionsTest, RejectsBadCombinationsNamingTheField) {
  MqttOptions options;
  options.broker_url = "mqtt://host:99999";
  EXPECT_NE(error_of(options).find("port '99999'"), std::string::npos);

  options = {};
  options.tls.ca_file = path("ca.pem");
  EXPECT_NE(error_of(options).find("is not mqtts://"), std::string::npos);

  options = {};
  options.broker_url = "mqtts://host";
  options.tls.cert_file = path("client.pem");
  EXPECT_NE(error_of(options).find("cert_file and key_file go together"), std::string::npos);

  options.tls.key_file = path("missing.key");
  EXPECT_NE(error_of(options).find("key_file '" + path("missing.key") + "': no such file"),
            std::string::npos);

  options = {};
  options.password = "secret";
  EXPECT_NE(error_of(options).find("password is set without a username"), std::string::npos);

  options = {};
  options.clean_session = false;
  EXPECT_NE(error_of(options).find("needs a client_id"), std::string::npos);

  options = {};
  options.keepalive = std::chrono::seconds(2);
  EXPECT_NE(error_of(options).find("keepalive 2s"), std::string::npos);

  options = {};
  options.max_inflight = 0;
  EXPECT_NE(error_of(options).find("max_inflight 0"), std::string::npos);

  options = {};
  options.backoff.multiplier = 0.5;
  EXPECT_NE(error_of(options).find("multiplier"), std::string::npos);
}

TEST_F(MqttOptionsTest, RejectsBadSubscriptions) {
  struct Case {
    Subscription subscription;
    const char* says;
  };
  for (const Case& c :
       {Case{{"", 0}, "empty topic filter"}, Case{{"a/b#", 0}, "subscription 'a/b#'"},
        Case{{"a/#/b", 0}, "'#' must be last"}, Case{{"a+/b", 1}, "subscription 'a+/b'"},
        Case{{"a/b", 2}, "QoS 2 (expected 0 or 1)"}}) {
    MqttOptions options;
    options.subscriptions = {{"ok/+", 0}, c.subscription};
    EXPECT_NE(error_of(options).find(c.says), std::string::npos) << c.says;
  }
}

}  // namespace
}  // namespace aiotops::transport
