// The registry client library against a served registry: uploads, errors mapped to codes,
// downloads checked against their SHA-256 and resumed from a partial file or a broken
// connection, models fetched into memory, and the offline check of a download.

#include <gmock/gmock.h>

#include "common/files.h"
#include "common/sha256.h"
#include "registry/client.h"
#include "registry/signing.h"
#include "registry_test_fixture.h"

namespace aiotops::testing {
namespace {

using nlohmann::json;
using registry::ArtifactPath;
using registry::RegistryClient;

class RegistryClientTest : public RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    start();
  }

  std::unique_ptr<RegistryClient> connect(const std::string& token = {}) {
    registry::ClientOptions options;
    options.url = url();
    options.token = token;
    auto client = RegistryClient::create(options);
    EXPECT_TRUE(client) << client.error().message();
    return client ? std::move(*client) : nullptr;
  }

  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    const std::filesystem::path path = dir_ / name;
    EXPECT_TRUE(write_file_atomic(path, bytes));
    return path;
  }
};

TEST_F(RegistryClientTest, PushListAliasPull) {
  auto client = connect();
  const std::string bytes = model_bytes(1, 100000);
  auto pushed = client->push(ArtifactPath::kModels, "motor", write("m.tflite", bytes),
                             {{"format", "tflite-int8"}, {"metrics", {{"f1", 0.9}}}});
  ASSERT_TRUE(pushed) << pushed.error().message();
  EXPECT_EQ((*pushed)["version"], 1);
  EXPECT_EQ((*pushed)["sha256"], sha256_hex(bytes));
  auto dataset = client->push(ArtifactPath::kDatasets, "fleet",
                              write("f.csv", std::string(kRawCsv)), json::object());
  ASSERT_TRUE(dataset) << dataset.error().message();
  EXPECT_EQ((*dataset)["stats"]["rows"], 3);

  auto moved = client->set_alias("motor", "production", 1);
  ASSERT_TRUE(moved) << moved.error().message();
  auto list = client->get_json("/api/v1/models");
  ASSERT_TRUE(list);
  EXPECT_EQ((*list)["models"].size(), 1u);

  const std::filesystem::path out = dir_ / "pulled.tflite";
  auto pulled = client->pull(ArtifactPath::kModels, "motor", "production", out);
  ASSERT_TRUE(pulled) << pulled.error().message();
  EXPECT_EQ(pulled->version, 1);
  EXPECT_EQ(pulled->sha256, sha256_hex(bytes));
  EXPECT_EQ(pulled->resumed_from, 0u);
  EXPECT_EQ(read_file(out).value_or(""), bytes);
  EXPECT_FALSE(std::filesystem::exists(out.string() + ".part"));
  auto csv = client->pull(ArtifactPath::kDatasets, "fleet", "latest", dir_ / "fleet.csv");
  ASSERT_TRUE(csv) << csv.error().message();
  EXPECT_EQ(read_file(dir_ / "fleet.csv").value_or(""), kRawCsv);
}

TEST_F(RegistryClientTest, ErrorsMapToCodes) {
  auto client = connect();
  const auto file = write("m.bin", model_bytes(1));
  ASSERT_TRUE(client->push(ArtifactPath::kModels, "motor", file, {{"format", "native"}}));
  auto taken =
      client->push(ArtifactPath::kModels, "motor", file, {{"format", "native"}, {"version", 1}});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_THAT(taken.error().message(), ::testing::HasSubstr("409"));
  auto bad = client->push(ArtifactPath::kModels, "motor", file, {{"format", "onnx"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message(), ::testing::HasSubstr("metadata.format"));
  auto missing = client->pull(ArtifactPath::kModels, "nothing", "latest", dir_ / "x");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x"));
  auto no_file =
      client->push(ArtifactPath::kModels, "motor", dir_ / "absent", {{"format", "native"}});
  ASSERT_FALSE(no_file);
  EXPECT_EQ(no_file.error().code(), ErrorCode::kNotFound);

  const std::string device = token(registry::Role::kDevice);
  start();  // a fresh server sees the token at once
  auto anonymous = connect()->get_json("/api/v1/models");
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code(), ErrorCode::kPermissionDenied);
  auto refused =
      connect(device)->push(ArtifactPath::kModels, "motor", file, {{"format", "native"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(connect(device)->get_json("/api/v1/models"));

  const uint16_t port = server_->port();
  server_.reset();
  registry::ClientOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(port);
  auto gone = (*RegistryClient::create(options))->get_json("/api/v1/models");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(gone.error().retriable());
  options.url = "ftp://host";
  EXPECT_FALSE(RegistryClient::create(options));
}

TEST_F(RegistryClientTest, PullResumesAPartialFile) {
  const std::string bytes = model_bytes(4, 50000);
  add_model("motor", bytes);
  const std::filesystem::path out = dir_ / "motor.tflite";
  write("motor.tflite.part", bytes.substr(0, 20000));
  write("motor.tflite.part.sha256", sha256_hex(bytes));
  auto pulled = connect()->pull(ArtifactPath::kModels, "motor", "1", out);
  ASSERT_TRUE(pulled) << pulled.error().message();
  EXPECT_EQ(pulled->resumed_from, 20000u);
  EXPECT_EQ(read_file(out).value_or(""), bytes);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "motor.tflite.part.sha256"));

  // A partial of another file: the registry sends the whole file instead (If-Range).
  write("motor.tflite.part", "stale bytes");
  write("motor.tflite.part.sha256", sha256_hex("another file"));
  pulled = connect()->pull(ArtifactPath::kModels, "motor", "1", out);
  ASSERT_TRUE(pulled) << pulled.error().message();
  EXPECT_EQ(pulled->resumed_from, 0u);
  EXPECT_EQ(read_file(out).value_or(""), bytes);

  // A complete partial file (the last run died before the rename): 416, checked, published.
  write("motor.tflite.part", bytes);
  write("motor.tflite.part.sha256", sha256_hex(bytes));
  pulled = connect()->pull(ArtifactPath::kModels, "motor", "1", out);
  ASSERT_TRUE(pulled) << pulled.error().message();
  EXPECT_EQ(read_file(out).value_or(""), bytes);

  // A damaged partial file fails the hash: nothing is published, the partial is dropped.
  std::filesystem::remove(out);
  write("motor.tflite.part", std::string(20000, 'x'));
  write("motor.tflite.part.sha256", sha256_hex(bytes));
  pulled = connect()->pull(ArtifactPath::kModels, "motor", "1", out);
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().code(), ErrorCode::kCorrupt);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "motor.tflite.part"));
  ASSERT_TRUE(connect()->pull(ArtifactPath::kModels, "motor", "1", out));  // and the next works
}

// A server whose first answer breaks off half-way: the client resumes with a Range request.
TEST_F(RegistryClientTest, PullResumesABrokenConnection) {
  const std::string bytes = model_bytes(9, 300000);
  const std::string sha = sha256_hex(bytes);
  httplib::Server flaky;
  std::atomic<int> requests{0};
  std::string ranges_seen;
  std::mutex mutex;
  flaky.Get("/api/v1/models/m/versions/latest/file", [&](const httplib::Request& request,
                                                         httplib::Response& response) {
    ++requests;
    response.set_header("X-Content-SHA256", sha);
    response.set_header("X-Version", "3");
    const std::string range = request.get_header_value("Range");
    {
      std::lock_guard lock(mutex);
      ranges_seen += range + ";";
    }
    if (range.empty()) {
      response.set_content_provider(bytes.size(), "application/octet-stream",
                                    [&](size_t offset, size_t, httplib::DataSink& sink) {
                                      if (offset >= bytes.size() / 3) return false;  // broken
                                      return sink.write(bytes.data() + offset, bytes.size() / 3);
                                    });
    }
    // A ranged request is answered by cpp-httplib's own range support (206).
    else {
      response.set_content(bytes, "application/octet-stream");
    }
  });
  const int port = flaky.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { flaky.listen_after_bind(); });
  while (!flaky.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  registry::ClientOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(port);
  auto client = RegistryClient::create(options);
  ASSERT_TRUE(client);
  auto pulled = (*client)->pull(ArtifactPath::kModels, "m", "latest", dir_ / "m.bin");
  flaky.stop();
  serving.join();
  ASSERT_TRUE(pulled) << pulled.error().message();
  EXPECT_EQ(pulled->version, 3);
  EXPECT_EQ(read_file(dir_ / "m.bin").value_or(""), bytes);
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(ranges_seen, ";bytes=100000-;");
}

TEST_F(RegistryClientTest, FetchModelIntoMemory) {
  const std::string bytes = model_bytes(2, 10000);
  add_model("motor", bytes);
  auto client = connect();
  auto fetched = client->fetch_model("motor", "latest", 1 << 20);
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(fetched->bytes, bytes);
  EXPECT_EQ(fetched->version, 1);
  EXPECT_EQ(fetched->sha256, sha256_hex(bytes));
  EXPECT_EQ(fetched->origin, url() + "/api/v1/models/motor/versions/latest/file");
  auto too_large = client->fetch_model("motor", "latest", 9999);
  ASSERT_FALSE(too_large);
  EXPECT_EQ(too_large.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(client->fetch_model("motor", "staging", 1 << 20).error().code(), ErrorCode::kNotFound);
}

TEST_F(RegistryClientTest, VerifyDownloadOffline) {
  const std::string bytes = model_bytes(3);
  add_model("motor", bytes);
  auto client = connect();
  auto manifest = client->manifest(ArtifactPath::kModels, "motor", "1");
  ASSERT_TRUE(manifest) << manifest.error().message();
  auto key = client->public_key();
  ASSERT_TRUE(key);
  const std::string document = manifest->dump();
  const auto file = write("motor.tflite", bytes);
  EXPECT_TRUE(registry::verify_download(file, document, *key));
  EXPECT_TRUE(registry::verify_download(file, document, json{{"public_key", *key}}.dump()));
  write("motor.tflite", bytes.substr(1));
  auto tampered = registry::verify_download(file, document, *key);
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().code(), ErrorCode::kCorrupt);
  const auto other_keys = registry::load_or_create_keys(dir_ / "other-keys");
  ASSERT_TRUE(other_keys);
  write("motor.tflite", bytes);
  EXPECT_FALSE(registry::verify_download(file, document, registry::public_key_base64(*other_keys)));
  EXPECT_EQ(registry::verify_download(file, "{}", *key).error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiotops::testing
