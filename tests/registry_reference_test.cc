// The reference system's registry routes on the versioned store: its multipart uploads by file
// name, the Go-FileServer listings its quantize step parses, files by name, and device
// activation with TRUE/FALSE answers.

#include <gmock/gmock.h>

#include "common/sha256.h"
#include "registry_test_fixture.h"

namespace aiotops::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class RegistryReferenceTest : public RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    start();
  }

  httplib::Result post_file(const std::string& route, const std::string& filename,
                            const std::string& bytes) {
    auto http = client();
    return upload(*http, route, bytes, filename, "");
  }
};

TEST_F(RegistryReferenceTest, ModelUploadsAreVersionedAndListed) {
  auto full = post_file("/uploadModel", "motor.model.json", "{\"model\":1}");
  ASSERT_TRUE(full);
  ASSERT_EQ(full->status, 200) << full->body;
  EXPECT_EQ(json::parse(full->body)["format"], "native");
  // The reference's quantize step names files with a timestamp holding ':'.
  const std::string quantized_name = "2021-10-07-04:51:04-model.tflite";
  const std::string mapped = "2021-10-07-04_51_04-model.tflite";
  const std::string v1 = model_bytes(1), v2 = model_bytes(2);
  auto first = post_file("/uploadQuantizedModel", quantized_name, v1);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(json::parse(first->body)["name"], mapped);
  EXPECT_EQ(json::parse(first->body)["format"], "tflite-float");  // not a readable int8 file
  auto second = post_file("/uploadQuantizedModel", quantized_name, v2);
  EXPECT_EQ(json::parse(second->body)["version"], 2);
  post_file("/uploadQuantizedModel", "later.tflite", model_bytes(3));

  auto http = client();
  auto listing = http->Get("/quantized/");
  ASSERT_EQ(listing->status, 200);
  EXPECT_EQ(listing->get_header_value("Content-Type"), "text/html; charset=utf-8");
  // Go's http.FileServer listing, oldest first: the last entry is the newest upload.
  EXPECT_EQ(listing->body, "<pre>\n<a href=\"" + mapped + "\">" + mapped +
                               "</a>\n<a href=\"later.tflite\">later.tflite</a>\n</pre>\n");
  EXPECT_EQ(http->Get("/quantized")->body, listing->body);
  EXPECT_EQ(http->Get("/full/")->body,
            "<pre>\n<a href=\"motor.model.json\">motor.model.json</a>\n</pre>\n");

  auto file = http->Get("/quantized/" + mapped);
  EXPECT_EQ(file->body, v2);  // the newest version
  EXPECT_EQ(file->get_header_value("X-Version"), "2");
  EXPECT_EQ(file->get_header_value("X-Content-SHA256"), sha256_hex(v2));
  EXPECT_EQ(http->Get("/quantized/" + quantized_name)->body, v2);  // as the uploader named it
  EXPECT_EQ(http->Get("/full/motor.model.json")->body, "{\"model\":1}");
  EXPECT_EQ(http->Get("/quantized/none.tflite")->status, 404);
  auto range = http->Get("/quantized/later.tflite", {{"Range", "bytes=0-9"}});
  EXPECT_EQ(range->status, 206);

  // The same versions through the API.
  EXPECT_EQ(json::parse(http->Get("/api/v1/models/" + mapped)->body)["versions"].size(), 2u);
}

TEST_F(RegistryReferenceTest, DatasetUploadsAreListedByKind) {
  auto raw = post_file("/uploadTrainingData", "raw-2021-10-07.csv", std::string(kRawCsv));
  ASSERT_EQ(raw->status, 200) << raw->body;
  auto labelled = post_file("/uploadNormalizedData", "normalized.csv", std::string(kLabelledCsv));
  ASSERT_EQ(labelled->status, 200) << labelled->body;
  EXPECT_EQ(json::parse(labelled->body)["stats"]["rows"], 3);
  auto http = client();
  EXPECT_EQ(http->Get("/training_data")->body,
            "<pre>\n<a href=\"raw-2021-10-07.csv\">raw-2021-10-07.csv</a>\n</pre>\n");
  EXPECT_EQ(http->Get("/normalized_training_data/")->body,
            "<pre>\n<a href=\"normalized.csv\">normalized.csv</a>\n</pre>\n");
  auto file = http->Get("/normalized_training_data/normalized.csv");
  EXPECT_EQ(file->body, kLabelledCsv);
  EXPECT_EQ(file->get_header_value("Content-Type"), "text/csv");
  EXPECT_EQ(http->Get("/training_data/raw-2021-10-07.csv")->body, kRawCsv);
  EXPECT_EQ(post_file("/uploadTrainingData", "bad.csv", "a,b\n1,2\n3\n")->status, 400);
}

TEST_F(RegistryReferenceTest, UploadsWithBadFileNamesAreRefused) {
  for (const char* name : {"../evil.tflite", "dir/model.tflite", "..", ".hidden", ""}) {
    auto result = post_file("/uploadQuantizedModel", name, model_bytes(1));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << name << ": " << result->body;
  }
  auto http = client();
  EXPECT_EQ(http->Post("/uploadModel", "raw bytes", "application/octet-stream")->status, 400);
  EXPECT_EQ(http->Get("/uploadModel")->status, 405);  // as the reference's handlers answered
  EXPECT_EQ(http->Get("/quantized/..%2Fx")->status, 400);
}

TEST_F(RegistryReferenceTest, DeviceActivationAnswersTrueOrFalse) {
  auto http = client();
  auto provisioned = http->Post("/provisionDevice", "device_id=24:6f:28:aa:bb:cc",
                                "application/x-www-form-urlencoded");
  ASSERT_EQ(provisioned->status, 200) << provisioned->body;
  EXPECT_EQ(provisioned->body, "TRUE");
  // Provisioning again is not an error.
  EXPECT_EQ(http->Post("/provisionDevice", "device_id=24:6f:28:aa:bb:cc",
                       "application/x-www-form-urlencoded")
                ->body,
            "TRUE");

  auto yes = http->Post("/confirmActivation", "device_id=24:6f:28:aa:bb:cc",
                        "application/x-www-form-urlencoded");
  EXPECT_EQ(yes->status, 200);
  EXPECT_EQ(yes->body, "TRUE");
  auto no = http->Post("/confirmActivation", "device_id=unknown-chip",
                       "application/x-www-form-urlencoded");
  EXPECT_EQ(no->status, 200);
  EXPECT_EQ(no->body, "FALSE");
  // Multipart forms (curl -F) work as well.
  auto multipart =
      http->Post("/confirmActivation",
                 httplib::MultipartFormDataItems{{"device_id", "24:6f:28:aa:bb:cc", "", ""}});
  EXPECT_EQ(multipart->body, "TRUE");
  json device = json::parse(http->Get("/api/v1/devices/24:6f:28:aa:bb:cc")->body);
  EXPECT_EQ(device["activated"], true);
  EXPECT_EQ(device["hardware"], "esp32");

  auto missing = http->Post("/confirmActivation", "chip=1", "application/x-www-form-urlencoded");
  EXPECT_EQ(missing->status, 400);
  EXPECT_THAT(missing->body, HasSubstr("device_id"));
  EXPECT_EQ(http->Post("/confirmActivation", "device_id=a/b", "application/x-www-form-urlencoded")
                ->status,
            400);
  auto coral = http->Post("/provisionDevice", "device_id=tpu-1&hardware=coral-tpu",
                          "application/x-www-form-urlencoded");
  EXPECT_EQ(coral->body, "TRUE");
  EXPECT_EQ(json::parse(http->Get("/api/v1/devices/tpu-1")->body)["hardware"], "coral-tpu");
  EXPECT_EQ(http->Post("/provisionDevice", "device_id=x&hardware=toaster",
                       "application/x-www-form-urlencoded")
                ->status,
            400);
}

}  // namespace
}  // namespace aiotops::testing
