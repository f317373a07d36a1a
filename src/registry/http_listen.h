#pragma once
// The server's listen address ("host:port", "[::1]:8081") and whether it is loopback-only:
// without any token the registry serves only on a loopback address.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::registry {

struct ListenAddress {
  std::string host;   // as given, without IPv6 brackets
  uint16_t port = 0;  // 0: pick a free one
};

// Parses "host:port". kInvalidArgument naming the text for a missing host or a port outside
// 0-65535. Thread-safe.
Result<ListenAddress> parse_listen_address(std::string_view text);

// True for "localhost", 127.0.0.0/8 and ::1: addresses other machines cannot reach.
// Thread-safe.
bool is_loopback_host(std::string_view host);

}  // namespace aiotops::registry
