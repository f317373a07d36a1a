#pragma once
// Request paths as segments. The registry routes on the raw request target split at '/' and
// then percent-decoded segment by segment, so "a%2Fb" stays one segment ("a/b") and reaches
// name validation (400) instead of silently becoming two.

#include <string>
#include <string_view>
#include <vector>

namespace aiotops::registry {

// The path of a raw request target ("/api/v1/models/a%2Fb?x=1") as decoded segments
// ({"api", "v1", "models", "a/b"}). The query is ignored; a trailing '/' is dropped, so "/full/"
// and "/full" are one path. Malformed escapes are kept as written. Thread-safe.
std::vector<std::string> split_target(std::string_view target);

// Whether `segments` match `pattern` ("/api/v1/models/{}/versions/{}": "{}" matches any one
// segment). On a match the "{}" segments are appended to `captures`. Thread-safe.
bool match_route(std::string_view pattern, const std::vector<std::string>& segments,
                 std::vector<std::string>& captures);

}  // namespace aiotops::registry
