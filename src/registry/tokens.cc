#include "registry/tokens.h"

#include <sodium.h>

#include <array>

#include "common/sha256.h"

namespace aiotops::registry {
namespace {

std::string random_hex(size_t bytes) {
  std::array<unsigned char, 32> buffer{};
  randombytes_buf(buffer.data(), bytes);
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), buffer.data(), bytes);
  hex.pop_back();
  return hex;
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

int rank(Role role) {
  switch (role) {
    case Role::kDevice:
      return 0;
    case Role::kPipeline:
      return 1;
    case Role::kAdmin:
      return 2;
  }
  return -1;
}

}  // namespace

NewToken generate_token() {
  NewToken token;
  token.id = random_hex(8);
  token.secret = std::string(kTokenPrefix) + random_hex(32);
  token.hash = token_hash(token.secret);
  return token;
}

std::string token_hash(std::string_view secret) { return sha256_hex(secret); }

bool looks_like_token(std::string_view text) {
  return text.size() == kTokenPrefix.size() + 64 && text.starts_with(kTokenPrefix) &&
         is_lower_hex(text.substr(kTokenPrefix.size()));
}

bool role_allows(Role role, Role needed) { return rank(role) >= rank(needed); }

}  // namespace aiotops::registry
