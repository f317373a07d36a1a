#pragma once
// Throwaway TLS certificates for tests, made with the openssl command-line tool: a CA, a broker
// certificate for 127.0.0.1/localhost and a client certificate, all signed by the CA (P-256 keys,
// valid for two days).

#include <filesystem>

#include "common/error.h"

namespace aiotops::testing {

struct TestPki {
  std::filesystem::path ca_file;           // ca.crt
  std::filesystem::path server_cert_file;  // server.crt: CN localhost, SAN IP 127.0.0.1
  std::filesystem::path server_key_file;   // server.key
  std::filesystem::path client_cert_file;  // client.crt: CN aiotops-test-client
  std::filesystem::path client_key_file;   // client.key
};

// Writes the files into `dir` (which must exist). Fails with kNotFound when openssl is not
// installed (tests skip then), kIo when a step fails (the message carries openssl's stderr).
Result<TestPki> make_test_pki(const std::filesystem::path& dir);

}  // namespace aiotops::testing
