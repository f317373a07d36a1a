#pragma once
// Reading one sample of a service's Prometheus endpoint over loopback (header-only, test use
// only; the including test links cpp-httplib): for tests that poll a service's /metrics.

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace aiotops::testing {

// The value of the first sample named exactly `series` (with its labels, if any, as written:
// `name{label="x"}`) in GET http://127.0.0.1:<port>/metrics; -1 when the endpoint does not
// answer or has no such sample. One request per call; thread-safe.
inline double scrape_metric(uint16_t port, std::string_view series) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  auto response = client.Get("/metrics");
  if (!response) return -1;
  const std::string prefix = std::string(series) + " ";
  const std::string& body = response->body;
  for (size_t at = 0; at < body.size();) {
    const size_t end = std::min(body.find('\n', at), body.size());
    if (std::string_view(body).substr(at, end - at).starts_with(prefix)) {
      return std::stod(body.substr(at + prefix.size(), end - at - prefix.size()));
    }
    at = end + 1;
  }
  return -1;
}

}  // namespace aiotops::testing
