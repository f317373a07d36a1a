#include "transport/broker_url.h"

#include <gtest/gtest.h>

namespace aiotops::transport {
namespace {

TEST(ParseBrokerUrl, ReadsHostPortAndScheme) {
  auto plain = parse_broker_url("mqtt://broker.local:1884");
  ASSERT_TRUE(plain.has_value()) << plain.error().message();
  EXPECT_EQ(plain->host, "broker.local");
  EXPECT_EQ(plain->port, 1884);
  EXPECT_FALSE(plain->tls);

  auto secure = parse_broker_url("MQTTS://10.0.0.7:9999");
  ASSERT_TRUE(secure.has_value());
  EXPECT_EQ(secure->host, "10.0.0.7");
  EXPECT_EQ(secure->port, 9999);
  EXPECT_TRUE(secure->tls);
}

TEST(ParseBrokerUrl, DefaultsThePortByScheme) {
  EXPECT_EQ(parse_broker_url("mqtt://localhost").value().port, 1883);
  EXPECT_EQ(parse_broker_url("mqtts://localhost").value().port, 8883);
  EXPECT_EQ(parse_broker_url("mqtt://localhost/").value().host, "localhost");
}

TEST(ParseBrokerUrl, ReadsBracketedIpv6) {
  auto address = parse_broker_url("mqtt://[::1]:2883");
  ASSERT_TRUE(address.has_value()) << address.error().message();
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 2883);
  EXPECT_EQ(parse_broker_url("mqtts://[fe80::1]").value().port, 8883);
}

TEST(ParseBrokerUrl, RejectsMalformedUrlsSayingWhatIsWrong) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (const Case& c :
       {Case{"localhost:1883", "expected mqtt://host[:port]"},
        Case{"http://localhost", "unsupported scheme 'http'"},
        Case{"tcp://localhost:1883", "unsupported scheme 'tcp'"}, Case{"mqtt://", "missing host"},
        Case{"mqtt://:1883", "missing host"}, Case{"mqtt://host:", "missing port"},
        Case{"mqtt://host:0", "port '0' is not a number in 1..65535"},
        Case{"mqtt://host:65536", "port '65536'"}, Case{"mqtt://host:12ab", "port '12ab'"},
        Case{"mqtt://host:-1", "port '-1'"}, Case{"mqtt://user:secret@host", "user info"},
        Case{"mqtt://host:1883/telemetry", "'/telemetry'"}, Case{"mqtt://host?x=1", "'?x=1'"},
        Case{"mqtt://::1:1883", "IPv6 address must be written in brackets"},
        Case{"mqtt://[::1", "missing ']'"}, Case{"mqtt://[::1]1883", "expected ':port' after ']'"},
        Case{"mqtt://my host", "blanks"}}) {
    auto parsed = parse_broker_url(c.url);
    ASSERT_FALSE(parsed.has_value()) << c.url;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << c.url;
    EXPECT_NE(parsed.error().message().find(c.says), std::string::npos)
        << c.url << " -> " << parsed.error().message();
    EXPECT_NE(parsed.error().message().find(c.url), std::string::npos) << c.url;
  }
}

TEST(ToUrl, IsTheCanonicalForm) {
  EXPECT_EQ(to_url(parse_broker_url("mqtt://h").value()), "mqtt://h:1883");
  EXPECT_EQ(to_url(parse_broker_url("mqtts://[::1]").value()), "mqtts://[::1]:8883");
}

}  // namespace
}  // namespace aiotops::transport
