#pragma once
// The OpenAPI 3 description of the registry's HTTP API. docs/openapi.json is the source; the
// build embeds it (cmake/embed_text.cmake), so what /api/v1/openapi.json serves is that file.

#include <string_view>

namespace aiotops::registry {

// The text of docs/openapi.json as built into this binary. Thread-safe.
std::string_view openapi_json();

}  // namespace aiotops::registry
