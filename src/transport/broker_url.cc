#include "transport/broker_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace aiotops::transport {
namespace {

constexpr std::string_view kForm = "expected mqtt://host[:port] or mqtts://host[:port]";

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

Result<uint16_t> parse_port(std::string_view url, std::string_view text) {
  if (text.empty())
    return fail(ErrorCode::kInvalidArgument, "broker URL '{}': missing port after ':'", url);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return fail(ErrorCode::kInvalidArgument,
                "broker URL '{}': port '{}' is not a number in 1..65535", url, text);
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<BrokerAddress> parse_broker_url(std::string_view url) {
  const size_t separator = url.find("://");
  if (separator == std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "broker URL '{}': {}", url, kForm);
  }
  BrokerAddress address;
  const std::string_view scheme = url.substr(0, separator);
  if (equals_ignoring_case(scheme, "mqtts")) {
    address.tls = true;
    address.port = kMqttsPort;
  } else if (!equals_ignoring_case(scheme, "mqtt")) {
    return fail(ErrorCode::kInvalidArgument, "broker URL '{}': unsupported scheme '{}', {}", url,
                scheme, kForm);
  }
  std::string_view authority = url.substr(separator + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);  // "mqtt://host/" is still a host
  if (authority.find('@') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "broker URL '{}': user info is not accepted in the URL; use the username and "
                "password options",
                url);
  }
  if (const size_t extra = authority.find_first_of("/?#"); extra != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "broker URL '{}': unexpected '{}' after the host (a broker URL has no path, query "
                "or fragment)",
                url, authority.substr(extra));
  }
  std::string_view host = authority;
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  "broker URL '{}': missing ']' after the IPv6 address", url);
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) {
        return fail(ErrorCode::kInvalidArgument, "broker URL '{}': expected ':port' after ']'",
                    url);
      }
      port_text = after.substr(1);
      has_port = true;
    }
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    if (authority.find(':', colon + 1) != std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  "broker URL '{}': an IPv6 address must be written in brackets, e.g. "
                  "mqtt://[::1]:1883",
                  url);
    }
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return fail(ErrorCode::kInvalidArgument, "broker URL '{}': missing host", url);
  if (std::ranges::any_of(host, [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) ||
               std::iscntrl(static_cast<unsigned char>(c));
      })) {
    return fail(ErrorCode::kInvalidArgument, "broker URL '{}': the host contains blanks", url);
  }
  address.host = std::string(host);
  if (has_port) {
    auto port = parse_port(url, port_text);
    if (!port) return fail(port.error());
    address.port = *port;
  }
  return address;
}

std::string to_url(const BrokerAddress& address) {
  const bool ipv6 = address.host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", address.tls ? "mqtts" : "mqtt", ipv6 ? "[" : "",
                     address.host, ipv6 ? "]" : "", address.port);
}

}  // namespace aiotops::transport
