#pragma once
// Broker addresses as written in flags and config files: mqtt://host[:port] and
// mqtts://host[:port] (IPv6 in brackets: mqtt://[::1]:1883).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::transport {

inline constexpr uint16_t kMqttPort = 1883;
inline constexpr uint16_t kMqttsPort = 8883;

struct BrokerAddress {
  std::string host;  // a name or an IP address (IPv6 without brackets)
  uint16_t port = kMqttPort;
  bool tls = false;  // true for mqtts://
};

// Parses `url`; the port defaults to 1883 (mqtt) or 8883 (mqtts). Fails with kInvalidArgument
// naming the URL and what is wrong: scheme, missing host, port not in 1..65535, user info (use the
// username/password options), a path, query or fragment.
Result<BrokerAddress> parse_broker_url(std::string_view url);

// The canonical URL of an address, e.g. "mqtts://[::1]:8883"; for logs and error messages.
std::string to_url(const BrokerAddress& address);

}  // namespace aiotops::transport
