// The registry's HTTP API over loopback: every /api/v1 route, downloads with ETag,
// If-None-Match and Range, signed manifests, limits and bad input, server-sent events, and TLS.
// The reference system's routes: registry_reference_test.cc; auth: registry_auth_test.cc.

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gmock/gmock.h>

#include "common/files.h"
#include "common/sha256.h"
#include "registry/signing.h"
#include "registry_test_fixture.h"
#include "support/test_pki.h"

namespace aiotops::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json body_json(const httplib::Result& result) {
  return result ? json::parse(result->body, nullptr, false) : json();
}

class RegistryApiTest : public RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    start();
  }
};

TEST_F(RegistryApiTest, ServesTheDocumentedOpenApiFileAndTheKey) {
  auto http = client();
  auto openapi = http->Get("/api/v1/openapi.json");
  ASSERT_TRUE(openapi);
  EXPECT_EQ(openapi->status, 200);
  auto docs = read_file(std::filesystem::path(AIOTOPS_SOURCE_DIR) / "docs/openapi.json");
  ASSERT_TRUE(docs);
  EXPECT_EQ(openapi->body, *docs);
  EXPECT_EQ(body_json(openapi)["openapi"], "3.0.3");

  auto keys = http->Get("/api/v1/keys");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->status, 200);
  EXPECT_EQ(body_json(keys)["public_key"], registry::public_key_base64(store_->keys()));
  EXPECT_EQ(body_json(keys)["algorithm"], "ed25519");

  auto health = http->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "ok\n");
}

TEST_F(RegistryApiTest, ModelVersionsListAndDownload) {
  const std::string v1 = model_bytes(1), v2 = model_bytes(2, 5000);
  json first = add_model("motor", v1,
                         R"({"format":"tflite-int8","metrics":{"f1":0.91},"target_classes":
                             ["x86","esp32","esp32"],"arena_bytes":20000,"pipeline_run_id":"r7"})");
  EXPECT_EQ(first["version"], 1);
  EXPECT_EQ(first["sha256"], sha256_hex(v1));
  EXPECT_EQ(first["target_classes"], json({"esp32", "x86"}));
  EXPECT_EQ(first["metrics"]["f1"], 0.91);
  EXPECT_EQ(first["arena_bytes"], 20000);
  EXPECT_EQ(add_model("motor", v2)["version"], 2);
  add_model("pump", model_bytes(3));

  auto http = client();
  json list = body_json(http->Get("/api/v1/models"));
  ASSERT_EQ(list["models"].size(), 2u);
  EXPECT_EQ(list["models"][0]["name"], "motor");
  EXPECT_EQ(list["models"][0]["version"], 2);

  json versions = body_json(http->Get("/api/v1/models/motor"));
  ASSERT_EQ(versions["versions"].size(), 2u);
  EXPECT_EQ(versions["versions"][1]["size"], v2.size());

  json one = body_json(http->Get("/api/v1/models/motor/versions/1"));
  EXPECT_EQ(one["pipeline_run_id"], "r7");
  EXPECT_EQ(body_json(http->Get("/api/v1/models/motor/versions/latest"))["version"], 2);

  auto file = http->Get("/api/v1/models/motor/versions/1/file");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 200);
  EXPECT_EQ(file->body, v1);
  EXPECT_EQ(file->get_header_value("ETag"), "\"" + sha256_hex(v1) + "\"");
  EXPECT_EQ(file->get_header_value("X-Content-SHA256"), sha256_hex(v1));
  EXPECT_EQ(file->get_header_value("X-Version"), "1");
  EXPECT_EQ(file->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(http->Get("/api/v1/models/motor/versions/latest/file")->body, v2);
}

TEST_F(RegistryApiTest, AliasesMoveAtomicallyWithHistory) {
  const std::string v1 = model_bytes(1), v2 = model_bytes(2);
  add_model("motor", v1);
  add_model("motor", v2);
  auto http = client();
  auto moved =
      http->Put("/api/v1/models/motor/aliases/production", R"({"version":1})", "application/json");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->status, 200) << moved->body;
  EXPECT_EQ(http->Get("/api/v1/models/motor/versions/production/file")->body, v1);
  moved =
      http->Put("/api/v1/models/motor/aliases/production", R"({"version":2})", "application/json");
  EXPECT_EQ(body_json(moved)["from_version"], 1);
  EXPECT_EQ(body_json(moved)["to_version"], 2);
  auto file = http->Get("/api/v1/models/motor/versions/production/file");
  EXPECT_EQ(file->body, v2);
  EXPECT_EQ(file->get_header_value("X-Version"), "2");
  EXPECT_EQ(body_json(http->Get("/api/v1/models/motor/aliases/production"))["version"], 2);
  EXPECT_EQ(body_json(http->Get("/api/v1/models/motor/aliases"))["aliases"].size(), 1u);
  EXPECT_EQ(body_json(http->Get("/api/v1/models/motor"))["aliases"][0]["alias"], "production");

  auto removed = http->Delete("/api/v1/models/motor/aliases/production");
  EXPECT_EQ(removed->status, 200);
  json history = body_json(http->Get("/api/v1/models/motor/aliases/production/history"));
  ASSERT_EQ(history["moves"].size(), 3u);
  EXPECT_EQ(history["moves"][0]["from_version"], nullptr);
  EXPECT_EQ(history["moves"][2]["to_version"], nullptr);
  EXPECT_EQ(history["moves"][0]["actor"], "anonymous");

  EXPECT_EQ(http->Get("/api/v1/models/motor/versions/production/file")->status, 404);
  EXPECT_EQ(http->Get("/api/v1/models/motor/aliases/staging")->status, 404);
  EXPECT_EQ(
      http->Put("/api/v1/models/motor/aliases/staging", R"({"version":9})", "application/json")
          ->status,
      404);
  EXPECT_EQ(http->Put("/api/v1/models/motor/aliases/Prod", R"({"version":1})", "application/json")
                ->status,
            400);
  EXPECT_EQ(
      http->Put("/api/v1/models/motor/aliases/staging", R"({"version":"1"})", "application/json")
          ->status,
      400);
}

TEST_F(RegistryApiTest, ConditionalRequestsAndRanges) {
  const std::string bytes = model_bytes(5, 1000);
  const std::string etag = "\"" + sha256_hex(bytes) + "\"";
  add_model("motor", bytes);
  auto http = client();
  const std::string path = "/api/v1/models/motor/versions/1/file";

  auto not_modified = http->Get(path, {{"If-None-Match", etag}});
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_EQ(not_modified->body, "");
  EXPECT_EQ(not_modified->get_header_value("ETag"), etag);
  EXPECT_EQ(http->Get(path, {{"If-None-Match", "\"other\", " + etag}})->status, 304);
  EXPECT_EQ(http->Get(path, {{"If-None-Match", "\"other\""}})->status, 200);

  auto part = http->Get(path, {{"Range", "bytes=10-19"}});
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, bytes.substr(10, 10));
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 10-19/1000");
  EXPECT_EQ(part->get_header_value("X-Content-SHA256"), sha256_hex(bytes));

  auto tail = http->Get(path, {{"Range", "bytes=990-"}});
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, bytes.substr(990));
  auto suffix = http->Get(path, {{"Range", "bytes=-5"}});
  EXPECT_EQ(suffix->body, bytes.substr(995));
  EXPECT_EQ(suffix->get_header_value("Content-Range"), "bytes 995-999/1000");
  auto clamped = http->Get(path, {{"Range", "bytes=998-5000"}});
  EXPECT_EQ(clamped->body, bytes.substr(998));

  auto beyond = http->Get(path, {{"Range", "bytes=1000-"}});
  EXPECT_EQ(beyond->status, 416);
  EXPECT_EQ(beyond->get_header_value("Content-Range"), "bytes */1000");

  auto several = http->Get(path, {{"Range", "bytes=0-1,5-6"}});  // ignored: the whole file
  EXPECT_EQ(several->status, 200);
  EXPECT_EQ(several->body, bytes);

  auto stale = http->Get(path, {{"Range", "bytes=10-19"}, {"If-Range", "\"old\""}});
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, bytes);
  auto fresh = http->Get(path, {{"Range", "bytes=10-19"}, {"If-Range", etag}});
  EXPECT_EQ(fresh->status, 206);

  auto head = http->Head(path);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), "1000");
  EXPECT_EQ(head->body, "");

  // A Range on anything else changes nothing.
  auto record = http->Get("/api/v1/models/motor/versions/1", {{"Range", "bytes=0-3"}});
  EXPECT_EQ(record->status, 200);
  EXPECT_EQ(body_json(record)["version"], 1);
}

// A file of many pages: whole, and ranges that start inside a page and end before the last one.
TEST_F(RegistryApiTest, LargeFilesAndTheirRanges) {
  const std::string bytes = model_bytes(9, 300'001);
  add_model("motor", bytes);
  auto http = client();
  const std::string path = "/api/v1/models/motor/versions/1/file";
  auto whole = http->Get(path);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body, bytes);
  auto middle = http->Get(path, {{"Range", "bytes=4097-204096"}});
  EXPECT_EQ(middle->status, 206);
  EXPECT_EQ(middle->body, bytes.substr(4097, 200'000));
  auto tail = http->Get(path, {{"Range", "bytes=-70001"}});
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, bytes.substr(230'000));
}

// Downloads are served from mappings kept between requests; a blob deleted by hand behind the
// server's back is noticed at the next check of the file (at most a second later) and answered
// as missing, naming the blob and the command that finds such damage.
TEST_F(RegistryApiTest, ABlobRemovedOnDiskIsAnsweredAsMissing) {
  const std::string bytes = model_bytes(4, 10'000);
  add_model("motor", bytes);
  auto http = client();
  const std::string path = "/api/v1/models/motor/versions/1/file";
  ASSERT_EQ(http->Get(path)->body, bytes);
  auto blob = store_->blobs().path_of(sha256_hex(bytes));
  ASSERT_TRUE(blob);
  ASSERT_TRUE(std::filesystem::remove(*blob));
  int status = 200;
  std::string body;
  for (int attempt = 0; attempt < 100 && status == 200; ++attempt) {  // up to 10 s
    auto answer = http->Get(path);
    ASSERT_TRUE(answer);
    status = answer->status;
    body = answer->body;
    if (status == 200) {
      EXPECT_EQ(body, bytes) << "until the check, the kept mapping serves the same bytes";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_EQ(status, 500);
  EXPECT_THAT(body, HasSubstr(sha256_hex(bytes)));
  EXPECT_THAT(body, HasSubstr("aiotops registry check"));
}

TEST_F(RegistryApiTest, ManifestsAreSignedAndVerifyOffline) {
  const std::string bytes = model_bytes(7);
  add_model("motor", bytes, R"({"format":"tflite-float","target_classes":["esp32"]})");
  auto http = client();
  json document = body_json(http->Get("/api/v1/models/motor/versions/1/manifest"));
  ASSERT_TRUE(document["manifest"].is_string());
  auto manifest = registry::parse_manifest(document["manifest"].get<std::string>());
  ASSERT_TRUE(manifest) << manifest.error().message();
  EXPECT_EQ(manifest->name, "motor");
  EXPECT_EQ(manifest->version, 1);
  EXPECT_EQ(manifest->sha256, sha256_hex(bytes));
  EXPECT_EQ(manifest->format, "tflite-float");
  EXPECT_EQ(document["key_id"], registry::key_id(store_->keys().public_key));

  const std::filesystem::path file = dir_ / "motor.tflite";
  ASSERT_TRUE(write_file_atomic(file, bytes));
  auto key = registry::parse_public_key(
      body_json(http->Get("/api/v1/keys"))["public_key"].get<std::string>());
  ASSERT_TRUE(key);
  EXPECT_TRUE(registry::verify_artifact(file, document["manifest"].get<std::string>(),
                                        document["signature"].get<std::string>(), *key));
  ASSERT_TRUE(write_file_atomic(file, bytes + "x"));
  EXPECT_FALSE(registry::verify_artifact(file, document["manifest"].get<std::string>(),
                                         document["signature"].get<std::string>(), *key));
}

TEST_F(RegistryApiTest, DatasetsWithStatisticsLineageAndModels) {
  auto http = client();
  auto uploaded =
      upload(*http, "/api/v1/datasets/fleet", std::string(kLabelledCsv), "fleet.csv",
             R"({"source":"sim --seed 7","pipeline_run_id":"r1","metadata":{"site":3}})");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 201) << uploaded->body;
  EXPECT_EQ(uploaded->get_header_value("Location"), "/api/v1/datasets/fleet/versions/1");
  json record = body_json(uploaded);
  EXPECT_EQ(record["stats"]["rows"], 3);
  EXPECT_EQ(record["lineage"]["source"], "sim --seed 7");
  EXPECT_EQ(record["metadata"]["site"], 3);
  auto second = upload(*http, "/api/v1/datasets/fleet", std::string(kRawCsv), "fleet.csv",
                       R"({"parent_version":1})");
  ASSERT_EQ(second->status, 201) << second->body;
  EXPECT_EQ(body_json(second)["lineage"]["parent_version"], 1);

  json list = body_json(http->Get("/api/v1/datasets"));
  ASSERT_EQ(list["datasets"].size(), 1u);
  EXPECT_EQ(list["datasets"][0]["version"], 2);
  EXPECT_FALSE(list["datasets"][0].contains("stats"));  // listings leave the statistics out
  EXPECT_EQ(body_json(http->Get("/api/v1/datasets/fleet"))["versions"].size(), 2u);
  EXPECT_EQ(body_json(http->Get("/api/v1/datasets/fleet/versions/1"))["stats"]["rows"], 3);
  auto file = http->Get("/api/v1/datasets/fleet/versions/1/file");
  EXPECT_EQ(file->body, kLabelledCsv);
  EXPECT_EQ(file->get_header_value("Content-Type"), "text/csv");
  EXPECT_EQ(file->get_header_value("X-Content-SHA256"), sha256_hex(kLabelledCsv));
  json manifest = body_json(http->Get("/api/v1/datasets/fleet/versions/latest/manifest"));
  EXPECT_EQ(registry::parse_manifest(manifest["manifest"].get<std::string>())->version, 2);

  add_model("motor", model_bytes(1),
            R"({"format":"native","dataset":{"name":"fleet","version":1}})");
  json trained = body_json(http->Get("/api/v1/datasets/fleet/versions/1/models"));
  ASSERT_EQ(trained["models"].size(), 1u);
  EXPECT_EQ(trained["models"][0]["name"], "motor");
  EXPECT_EQ(trained["models"][0]["dataset"]["version"], 1);

  // The model's drift reference: its training dataset's statistics, under the model's route.
  json reference = body_json(http->Get("/api/v1/models/motor/versions/latest/training-stats"));
  EXPECT_EQ(reference["model"], json({{"name", "motor"}, {"version", 1}}));
  EXPECT_EQ(reference["dataset"]["name"], "fleet");
  EXPECT_EQ(reference["dataset"]["version"], 1);
  EXPECT_EQ(reference["dataset"]["sha256"], sha256_hex(kLabelledCsv));
  EXPECT_EQ(reference["stats"], body_json(http->Get("/api/v1/datasets/fleet/versions/1"))["stats"]);
  add_model("motor", model_bytes(2));
  auto no_lineage = http->Get("/api/v1/models/motor/versions/2/training-stats");
  EXPECT_EQ(no_lineage->status, 404);
  EXPECT_THAT(no_lineage->body, HasSubstr("model motor version 2 records no training dataset"));

  auto bad = upload(*http, "/api/v1/datasets/broken", "a,b\n1,2\n3\n", "broken.csv", "");
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("broken:3"));  // line 3 of the upload
  auto missing_parent = upload(*http, "/api/v1/models/m2", model_bytes(1), "m",
                               R"({"format":"native","dataset":{"name":"fleet","version":9}})");
  EXPECT_EQ(missing_parent->status, 404);
}

TEST_F(RegistryApiTest, DeletionKeepsVersionNumbers) {
  add_model("motor", model_bytes(1));
  add_model("motor", model_bytes(2));
  auto http = client();
  ASSERT_EQ(
      http->Put("/api/v1/models/motor/aliases/production", R"({"version":2})", "application/json")
          ->status,
      200);
  EXPECT_EQ(http->Delete("/api/v1/models/motor/versions/2")->status, 409);  // aliased
  EXPECT_EQ(http->Delete("/api/v1/models/motor/versions/1")->status, 204);
  EXPECT_EQ(http->Get("/api/v1/models/motor/versions/1")->status, 404);
  EXPECT_EQ(http->Delete("/api/v1/models/motor/versions/1")->status, 404);
  EXPECT_EQ(add_model("motor", model_bytes(3))["version"], 3);
  EXPECT_EQ(http->Delete("/api/v1/models/motor/versions/latest")->status, 400);

  auto csv = upload(*http, "/api/v1/datasets/fleet", std::string(kRawCsv), "f.csv", "");
  ASSERT_EQ(csv->status, 201);
  EXPECT_EQ(http->Delete("/api/v1/datasets/fleet/versions/1")->status, 204);
  EXPECT_EQ(http->Get("/api/v1/datasets/fleet")->status, 404);
}

TEST_F(RegistryApiTest, DevicesProvisionActivateReport) {
  auto http = client();
  auto created = http->Post(
      "/api/v1/devices", R"({"id":"24:6f:28:aa:bb:cc","hardware":"esp32","labels":{"site":"3"}})",
      "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(body_json(created)["activated"], false);
  EXPECT_EQ(
      http->Post("/api/v1/devices", R"({"id":"24:6f:28:aa:bb:cc"})", "application/json")->status,
      409);
  EXPECT_EQ(
      http->Post("/api/v1/devices", R"({"id":"gw-1","hardware":"jetson"})", "application/json")
          ->status,
      201);

  json activated = body_json(http->Post("/api/v1/devices/24:6f:28:aa:bb:cc/activate", "", ""));
  EXPECT_EQ(activated["activated"], true);
  auto report =
      http->Post("/api/v1/devices/24:6f:28:aa:bb:cc/status",
                 R"({"model_version":"motor@3","firmware_version":"1.4.2"})", "application/json");
  ASSERT_EQ(report->status, 200) << report->body;
  json device = body_json(http->Get("/api/v1/devices/24:6f:28:aa:bb:cc"));
  EXPECT_EQ(device["model_version"], "motor@3");
  EXPECT_EQ(device["firmware_version"], "1.4.2");
  EXPECT_TRUE(device["last_seen_ms"].is_number());
  EXPECT_EQ(device["labels"]["site"], "3");

  json labelled =
      body_json(http->Put("/api/v1/devices/gw-1/labels", R"({"rack":"b"})", "application/json"));
  EXPECT_EQ(labelled["labels"]["rack"], "b");
  EXPECT_EQ(body_json(http->Get("/api/v1/devices"))["devices"].size(), 2u);
  EXPECT_EQ(body_json(http->Get("/api/v1/devices?hardware=jetson"))["devices"].size(), 1u);
  EXPECT_EQ(http->Get("/api/v1/devices?hardware=toaster")->status, 400);

  EXPECT_EQ(
      http->Post("/api/v1/devices/unknown/status", R"({"model_version":"x"})", "application/json")
          ->status,
      404);
  EXPECT_EQ(http->Post("/api/v1/devices/unknown/activate", "", "")->status, 404);
  EXPECT_EQ(
      http->Post("/api/v1/devices/gw-1/status", R"({"model":"x"})", "application/json")->status,
      400);
  EXPECT_EQ(http->Delete("/api/v1/devices/gw-1")->status, 204);
  EXPECT_EQ(http->Get("/api/v1/devices/gw-1")->status, 404);
}

TEST_F(RegistryApiTest, TokensCreateListRevoke) {
  auto http = client();
  auto created =
      http->Post("/api/v1/tokens", R"({"role":"pipeline","description":"ci"})", "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  json token = body_json(created);
  EXPECT_EQ(token["role"], "pipeline");
  EXPECT_TRUE(token["token"].is_string());
  // Auth is on from now: the creator needs a token too (the new one is no admin).
  EXPECT_EQ(http->Get("/api/v1/tokens")->status, 401);
  auto admin = client(this->token(registry::Role::kAdmin));
  json list = body_json(admin->Get("/api/v1/tokens"));
  ASSERT_EQ(list["tokens"].size(), 2u);
  EXPECT_FALSE(list["tokens"][0].contains("token"));  // secrets are never listed
  auto pipeline = client(token["token"].get<std::string>());
  EXPECT_EQ(pipeline->Get("/api/v1/models")->status, 200);
  EXPECT_EQ(admin->Delete("/api/v1/tokens/" + token["id"].get<std::string>())->status, 204);
  EXPECT_EQ(pipeline->Get("/api/v1/models")->status, 401);
  EXPECT_EQ(admin->Delete("/api/v1/tokens/0000000000000000")->status, 404);
  EXPECT_EQ(admin->Post("/api/v1/tokens", R"({"role":"root"})", "application/json")->status, 400);
}

TEST_F(RegistryApiTest, BadInputIsRefusedNamingTheProblem) {
  auto http = client();
  auto expect = [&](const httplib::Result& result, int status, const std::string& text) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, status) << result->body;
    EXPECT_THAT(result->body, HasSubstr(text));
  };
  const std::string bytes = model_bytes(1);
  expect(upload(*http, "/api/v1/models/motor", bytes, "m", R"({"format":)"), 400, "malformed JSON");
  expect(upload(*http, "/api/v1/models/motor", bytes, "m", R"({"format":"onnx"})"), 400,
         "metadata.format");
  expect(upload(*http, "/api/v1/models/motor", bytes, "m", R"({"format":"native","f1":1})"), 400,
         "unknown field 'f1'");
  expect(upload(*http, "/api/v1/models/motor", bytes, "m", ""), 400, "no 'metadata' part");
  expect(upload(*http, "/api/v1/models/motor", bytes, "m", R"([1])"), 400,
         "expected a JSON object");
  expect(http->Post("/api/v1/models/motor", bytes, "application/octet-stream"), 400,
         "multipart/form-data");
  expect(http->Post("/api/v1/models/motor",
                    httplib::MultipartFormDataItems{{"metadata", "{}", "", ""}}),
         400, "no 'file' part");
  expect(
      http->Post("/api/v1/models/motor", httplib::MultipartFormDataItems{{"blob", "x", "x", ""}}),
      400, "multipart part 'blob'");
  expect(
      http->Post("/api/v1/models/motor", "--xyz\r\nnonsense", "multipart/form-data; boundary=xyz"),
      400, "malformed multipart");
  // Names with a path separator or "..", however they are spelled.
  expect(upload(*http, "/api/v1/models/a%2Fb", bytes, "m", R"({"format":"native"})"), 400,
         "model name");
  expect(upload(*http, "/api/v1/models/%2E%2E", bytes, "m", R"({"format":"native"})"), 400,
         "model name");
  expect(http->Get("/api/v1/models/..%2F..%2Fetc/versions/1/file"), 400, "model name");
  expect(http->Get("/api/v1/datasets/x/versions/zero"), 400, "version");
  expect(http->Post("/api/v1/devices", R"({"id":"../x"})", "application/json"), 400, "device.id");
  expect(http->Post("/api/v1/devices", "{", "application/json"), 400, "malformed JSON");
  // Unknown things.
  expect(http->Get("/api/v1/models/nothing"), 404, "nothing");
  expect(http->Get("/api/v1/models/nothing/versions/1/file"), 404, "nothing");
  expect(http->Get("/api/v1/models/nothing/versions/production"), 404, "not_found");
  expect(http->Get("/api/v1/nowhere"), 404, "no route");
  auto wrong_method = http->Patch("/api/v1/models", "", "");
  ASSERT_TRUE(wrong_method);
  EXPECT_GE(wrong_method->status, 400);
  expect(http->Delete("/api/v1/models"), 405, "allowed: GET");
}

TEST_F(RegistryApiTest, ExactVersionRacesHaveOneWinner) {
  add_model("motor", model_bytes(1));
  auto http = client();
  auto taken = upload(*http, "/api/v1/models/motor", model_bytes(2), "m",
                      R"({"format":"native","version":1})");
  EXPECT_EQ(taken->status, 409) << taken->body;
  auto gap = upload(*http, "/api/v1/models/motor", model_bytes(2), "m",
                    R"({"format":"native","version":5})");
  EXPECT_EQ(gap->status, 400) << gap->body;

  // Eight writers ask for version 2 at once: exactly one gets it.
  constexpr int kWriters = 8;
  std::vector<int> statuses(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      auto own = client();
      auto result = upload(*own, "/api/v1/models/motor", model_bytes(10 + i), "m",
                           R"({"format":"native","version":2})");
      statuses[i] = result ? result->status : -1;
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kWriters - 1);
  EXPECT_EQ(body_json(http->Get("/api/v1/models/motor"))["versions"].size(), 2u);
}

// Many clients over HTTP at once: uploaders of two names and downloaders of "latest". Every
// upload gets a unique version, each name's versions are 1..N without a gap, and every download
// is whole and is the bytes of the version it says it is.
TEST_F(RegistryApiTest, ConcurrentUploadsAndDownloadsKeepVersionsUniqueAndGapFree) {
  add_model("m-0", model_bytes(0));
  add_model("m-1", model_bytes(0));
  constexpr int kUploaders = 6;
  constexpr int kUploads = 8;
  constexpr int kDownloaders = 4;
  std::mutex mutex;
  std::map<std::string, std::set<int64_t>> versions{{"m-0", {1}}, {"m-1", {1}}};
  std::map<std::string, std::string> sha_of{{"m-0/1", sha256_hex(model_bytes(0))},
                                            {"m-1/1", sha256_hex(model_bytes(0))}};
  std::atomic<int> uploaders_left{kUploaders};
  std::vector<std::thread> threads;
  for (int u = 0; u < kUploaders; ++u) {
    threads.emplace_back([&, u] {
      auto http = client();
      const std::string name = u % 2 == 0 ? "m-0" : "m-1";
      for (int i = 0; i < kUploads; ++i) {
        const std::string bytes = model_bytes(100 * u + i + 1, 1000 + 500 * i);
        auto result = upload(*http, "/api/v1/models/" + name, bytes, "m", R"({"format":"native"})");
        ASSERT_TRUE(result);
        ASSERT_EQ(result->status, 201) << result->body;
        const int64_t version = json::parse(result->body)["version"].get<int64_t>();
        std::lock_guard lock(mutex);
        EXPECT_TRUE(versions[name].insert(version).second) << name << " v" << version << " twice";
        sha_of[fmt::format("{}/{}", name, version)] = sha256_hex(bytes);
      }
      --uploaders_left;
    });
  }
  std::atomic<int> downloads{0};
  for (int d = 0; d < kDownloaders; ++d) {
    threads.emplace_back([&, d] {
      auto http = client();
      const std::string name = d % 2 == 0 ? "m-0" : "m-1";
      while (uploaders_left > 0 || downloads < kDownloaders) {
        auto result = http->Get("/api/v1/models/" + name + "/versions/latest/file");
        ASSERT_TRUE(result);
        ASSERT_EQ(result->status, 200);
        EXPECT_EQ(result->get_header_value("X-Content-SHA256"), sha256_hex(result->body));
        const std::string key = name + "/" + result->get_header_value("X-Version");
        std::lock_guard lock(mutex);
        // A version is announced to clients only once its upload was answered, which may be
        // a moment after the download saw it: check those that are known.
        if (sha_of.contains(key)) {
          EXPECT_EQ(sha_of[key], sha256_hex(result->body)) << key;
        }
        ++downloads;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& [name, seen] : versions) {
    EXPECT_EQ(seen.size(), size_t{1 + kUploads * kUploaders / 2}) << name;
    EXPECT_EQ(*seen.rbegin(), static_cast<int64_t>(seen.size())) << name << " has gaps";
    EXPECT_EQ(body_json(client()->Get("/api/v1/models/" + name))["versions"].size(), seen.size());
  }
}

TEST_F(RegistryApiTest, EventStreamAnnouncesVersionsAndAliasMoves) {
  std::mutex mutex;
  std::condition_variable changed;
  std::string received;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    auto http = client();
    http->Get("/api/v1/events", [&](const char* data, size_t size) {
      std::lock_guard lock(mutex);
      received.append(data, size);
      changed.notify_all();
      return !done.load();
    });
  });
  auto wait_for = [&](const std::string& text) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(30),
                            [&] { return received.find(text) != std::string::npos; });
  };
  ASSERT_TRUE(wait_for(": connected"));
  add_model("motor", model_bytes(1));
  ASSERT_TRUE(wait_for("event: model.version"));
  auto http = client();
  http->Put("/api/v1/models/motor/aliases/production", R"({"version":1})", "application/json");
  EXPECT_TRUE(wait_for("event: alias.moved"));
  done = true;
  add_model("motor", model_bytes(2));  // one more event lets the reader see `done`
  reader.join();
  std::lock_guard lock(mutex);
  EXPECT_THAT(received, HasSubstr("\"name\":\"motor\""));
  EXPECT_THAT(received, HasSubstr("\"alias\":\"production\""));
}

TEST_F(RegistryApiTest, EventStreamsResumeAfterTheLastEventId) {
  add_model("motor", model_bytes(1));
  add_model("motor", model_bytes(2));
  const uint64_t last = store_->events().last_id();
  std::string received;
  auto http = client();
  http->Get("/api/v1/events", {{"Last-Event-ID", std::to_string(last - 1)}},
            [&](const char* data, size_t size) {
              received.append(data, size);
              return received.find("\n\n", received.find("event:")) == std::string::npos;
            });
  EXPECT_THAT(received, HasSubstr("id: " + std::to_string(last)));
  EXPECT_THAT(received, HasSubstr("\"version\":2"));
  EXPECT_EQ(http->Get("/api/v1/events?after=x")->status, 400);
}

class RegistryLimitsTest : public RegistryFixture {};

TEST_F(RegistryLimitsTest, UploadsOverTheLimitGet413) {
  start({}, 4096);
  auto http = client();
  auto fits =
      upload(*http, "/api/v1/models/motor", model_bytes(1, 4096), "m", R"({"format":"native"})");
  EXPECT_EQ(fits->status, 201) << fits->body;
  auto over =
      upload(*http, "/api/v1/models/motor", model_bytes(1, 4097), "m", R"({"format":"native"})");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 413) << over->body;
  // Far beyond the limit: refused from Content-Length alone.
  auto huge =
      upload(*http, "/api/v1/models/motor", model_bytes(1, 3 << 20), "m", R"({"format":"native"})");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_THAT(huge->body, HasSubstr("larger"));
  // JSON bodies have their own limit.
  registry::ServerOptions options;
  options.max_json_bytes = 64;
  start(options, 4096);
  auto big_json =
      client()->Post("/api/v1/devices", std::string(100, ' ') + "{}", "application/json");
  EXPECT_EQ(big_json->status, 413);
  EXPECT_EQ(client()->Get("/api/v1/models/motor")->status, 200);  // the server is fine
}

TEST_F(RegistryLimitsTest, ServesTls) {
  auto pki = make_test_pki(dir_);
  if (!pki && pki.error().code() == ErrorCode::kNotFound) GTEST_SKIP() << "no openssl";
  ASSERT_TRUE(pki) << pki.error().message();
  registry::ServerOptions options;
  options.tls_cert = pki->server_cert_file;
  options.tls_key = pki->server_key_file;
  start(options);
  EXPECT_TRUE(server_->tls());
  httplib::Client https("https://127.0.0.1:" + std::to_string(server_->port()));
  https.set_ca_cert_path(pki->ca_file.string());
  https.enable_server_certificate_verification(true);
  auto keys = https.Get("/api/v1/keys");
  ASSERT_TRUE(keys) << httplib::to_string(keys.error());
  EXPECT_EQ(keys->status, 200);
  EXPECT_FALSE(client()->Get("/api/v1/keys"));  // plain HTTP gets no answer

  registry::ServerOptions lone;
  lone.tls_cert = pki->server_cert_file;
  lone.listen = "127.0.0.1:0";
  auto refused = registry::RegistryServer::start(*store_, lone);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiotops::testing
