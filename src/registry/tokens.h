#pragma once
// Bearer tokens: 32 random bytes shown once to whoever creates them; the store keeps only their
// SHA-256 (the tokens are random, so a plain hash is as good as a slow one and lets the server
// find a token by its hash). Roles and what they may do: docs/formats/registry-store.md.

#include <string>
#include <string_view>

#include "common/error.h"
#include "registry/records.h"

namespace aiotops::registry {

inline constexpr std::string_view kTokenPrefix = "aiotops_";

struct NewToken {
  std::string id;      // public identifier: 16 hex digits
  std::string secret;  // kTokenPrefix + 64 hex digits; give it to the client, never store it
  std::string hash;    // token_hash(secret): what the store keeps
};

// A fresh random token (libsodium randombytes). Never fails. Thread-safe.
NewToken generate_token();

// Lower-case hex SHA-256 of the token text. Thread-safe.
std::string token_hash(std::string_view secret);

// True when `text` has the shape of a token (prefix + 64 hex digits); cheap pre-check before a
// database lookup. Thread-safe.
bool looks_like_token(std::string_view text);

// True when a token of role `role` satisfies a route that needs `needed`: admin > pipeline >
// device (admin may do everything a pipeline may, a pipeline everything a device may).
// Thread-safe.
bool role_allows(Role role, Role needed);

}  // namespace aiotops::registry
