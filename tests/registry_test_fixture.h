#pragma once
// A registry for tests (header-only, test use only): a store in a fresh temporary directory and
// the HTTP server on a free loopback port in this process, with raw cpp-httplib clients to talk
// to it over TCP, and the small test files (a model's bytes, CSV datasets).

#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "registry/server.h"
#include "registry/store.h"

namespace aiotops::testing {

// The reference system's raw telemetry layout (no header), and its labelled layout.
inline constexpr std::string_view kRawCsv =
    "esp-1,1633000000000,412.50,36.60,1235.90,150.60\n"
    "esp-1,1633000001000,415.00,36.70,1236.10,151.00\n"
    "esp-2,1633000002000,1634.70,145.40,1235.90,150.60\n";
inline constexpr std::string_view kLabelledCsv =
    "esp-1,1633000000000,412.50,36.60,1235.90,150.60,0\n"
    "esp-1,1633000001000,415.00,36.70,1236.10,151.00,0\n"
    "esp-2,1633000002000,1634.70,145.40,1235.90,150.60,1\n";

// Bytes that stand for a model file (the registry stores models without parsing them).
inline std::string model_bytes(int seed, size_t size = 3000) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + seed * 7) % 251);
  return bytes;
}

class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "registry-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override {
    server_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Opens the store (once) and starts the server with `options` (listen defaults to port 0).
  void start(registry::ServerOptions options = {}, uint64_t max_upload_bytes = 64 << 20) {
    server_.reset();
    if (!store_) {
      registry::StoreOptions store_options;
      store_options.data_dir = dir_ / "data";
      store_options.max_upload_bytes = max_upload_bytes;
      auto store = registry::Store::open(std::move(store_options));
      ASSERT_TRUE(store) << store.error().message();
      store_ = std::move(*store);
    }
    if (options.listen == registry::ServerOptions().listen) options.listen = "127.0.0.1:0";
    auto server = registry::RegistryServer::start(*store_, std::move(options));
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
  }

  // A new token's secret; a device token belongs to device `device`.
  std::string token(registry::Role role, const std::string& device = "dev") {
    auto created =
        store_->create_token(role, "test", role == registry::Role::kDevice ? device : "");
    EXPECT_TRUE(created) << created.error().message();
    return created ? created->secret : std::string();
  }

  // A client of the server; `token` is sent as a bearer token when not empty.
  std::unique_ptr<httplib::Client> client(const std::string& token = {}) const {
    auto http = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    http->set_read_timeout(std::chrono::seconds(30));
    if (!token.empty()) http->set_bearer_token_auth(token);
    return http;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // POSTs a multipart upload: part `file` (named `filename`) and, unless empty, `metadata`.
  httplib::Result upload(httplib::Client& http, const std::string& path, const std::string& bytes,
                         const std::string& filename, const std::string& metadata) const {
    httplib::MultipartFormDataItems items{{"file", bytes, filename, "application/octet-stream"}};
    if (!metadata.empty()) items.push_back({"metadata", metadata, "", "application/json"});
    return http.Post(path, items);
  }

  // Uploads a model version and returns its record (failing the test otherwise).
  nlohmann::json add_model(const std::string& name, const std::string& bytes,
                           const std::string& metadata = R"({"format":"tflite-int8"})") {
    auto http = client(admin_token_);
    auto result = upload(*http, "/api/v1/models/" + name, bytes, name + ".tflite", metadata);
    EXPECT_TRUE(result);
    if (!result) return {};
    EXPECT_EQ(result->status, 201) << result->body;
    return nlohmann::json::parse(result->body, nullptr, false);
  }

  std::filesystem::path dir_;
  std::unique_ptr<registry::Store> store_;
  std::unique_ptr<registry::RegistryServer> server_;
  std::string admin_token_;  // sent by add_model; empty while auth is off
};

}  // namespace aiotops::testing
