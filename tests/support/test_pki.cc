#include "support/test_pki.h"

#include <chrono>
#include <string>

#include "cli_run.h"
#include "common/files.h"

namespace aiotops::testing {
namespace {

constexpr std::chrono::seconds kStepTimeout{30};
constexpr const char* kKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

Status openssl(const std::string& arguments, const std::filesystem::path& dir) {
  const CliOutcome outcome = run_cli("openssl", arguments, dir, kStepTimeout);
  if (outcome.exit_code != 0) {
    return fail(ErrorCode::kIo, "openssl {} failed ({}): {}", arguments,
                outcome.timed_out ? "timed out" : fmt::format("exit {}", outcome.exit_code),
                outcome.err);
  }
  return {};
}

// A certificate for `name` with extensions from `extensions`, signed by the CA in `dir`.
Status signed_certificate(const std::filesystem::path& dir, const std::string& name,
                          const std::string& subject, const std::string& extensions) {
  const std::string base = (dir / name).string();
  if (auto s = write_file_atomic(base + ".ext", extensions); !s) return s;
  if (auto s = openssl(
          fmt::format("req {} -keyout {}.key -out {}.csr -subj {}", kKey, base, base, subject),
          dir);
      !s) {
    return s;
  }
  return openssl(fmt::format("x509 -req -in {0}.csr -CA {1}/ca.crt -CAkey {1}/ca.key "
                             "-CAcreateserial -days 2 -out {0}.crt -extfile {0}.ext",
                             base, dir.string()),
                 dir);
}

}  // namespace

Result<TestPki> make_test_pki(const std::filesystem::path& dir) {
  if (run_cli("openssl", "version", dir, kStepTimeout).exit_code != 0) {
    return fail(ErrorCode::kNotFound, "openssl is not installed (Debian package openssl)");
  }
  const std::string ca = (dir / "ca").string();
  if (auto s = openssl(fmt::format("req -x509 {} -keyout {}.key -out {}.crt -days 2 "
                                   "-subj /CN=aiotops-test-ca "
                                   "-addext basicConstraints=critical,CA:TRUE "
                                   "-addext keyUsage=critical,keyCertSign,cRLSign",
                                   kKey, ca, ca),
                       dir);
      !s) {
    return fail(s.error());
  }
  if (auto s = signed_certificate(dir, "server", "/CN=localhost",
                                  "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  "extendedKeyUsage=serverAuth\n");
      !s) {
    return fail(s.error());
  }
  if (auto s = signed_certificate(dir, "client", "/CN=aiotops-test-client",
                                  "extendedKeyUsage=clientAuth\n");
      !s) {
    return fail(s.error());
  }
  return TestPki{.ca_file = dir / "ca.crt",
                 .server_cert_file = dir / "server.crt",
                 .server_key_file = dir / "server.key",
                 .client_cert_file = dir / "client.crt",
                 .client_key_file = dir / "client.key"};
}

}  // namespace aiotops::testing
