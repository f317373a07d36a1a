#pragma once
// Incremental SHA-256 (libsodium). Used for content hashes of datasets, models and blobs.

#include <sodium.h>

#include <string>
#include <string_view>

namespace aiotops {

// Not thread-safe; one hasher per stream of bytes.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // Lower-case hex digest (64 characters). The hasher must not be updated afterwards.
  std::string hex_digest();

 private:
  crypto_hash_sha256_state state_;
};

// Hex SHA-256 of one buffer.
std::string sha256_hex(std::string_view bytes);

}  // namespace aiotops
