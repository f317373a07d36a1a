// Who may call what: every route of the registry against no token, a wrong token, a revoked
// token and each role, allowed and refused; the route list checked against docs/openapi.json;
// open reference routes; and the rule that a registry with no token serves only loopback.

#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include <gmock/gmock.h>

#include "common/files.h"
#include "registry_test_fixture.h"

namespace aiotops::testing {
namespace {

using nlohmann::json;
using registry::Role;

enum class Need { kPublic, kReadModels, kDeviceReport, kReadDatasets, kWrite, kAdmin };

struct RouteCase {
  const char* method;
  const char* pattern;  // as docs/openapi.json spells it
  const char* path;     // a concrete request
  Need need;
  bool reference = false;
};

// Every route. Requests name things that may not exist: auth is decided before anything else,
// so an allowed call may well answer 400 or 404, never 401 or 403.
const RouteCase kRoutes[] = {
    {"GET", "/healthz", "/healthz", Need::kPublic},
    {"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", Need::kPublic},
    {"GET", "/api/v1/keys", "/api/v1/keys", Need::kPublic},
    {"GET", "/api/v1/datasets", "/api/v1/datasets", Need::kReadDatasets},
    {"POST", "/api/v1/datasets/{name}", "/api/v1/datasets/d", Need::kWrite},
    {"GET", "/api/v1/datasets/{name}", "/api/v1/datasets/d", Need::kReadDatasets},
    {"GET", "/api/v1/datasets/{name}/versions/{ref}", "/api/v1/datasets/d/versions/1",
     Need::kReadDatasets},
    {"DELETE", "/api/v1/datasets/{name}/versions/{ref}", "/api/v1/datasets/d/versions/1",
     Need::kAdmin},
    {"GET", "/api/v1/datasets/{name}/versions/{ref}/file", "/api/v1/datasets/d/versions/1/file",
     Need::kReadDatasets},
    {"GET", "/api/v1/datasets/{name}/versions/{ref}/manifest",
     "/api/v1/datasets/d/versions/1/manifest", Need::kReadDatasets},
    {"GET", "/api/v1/datasets/{name}/versions/{ref}/models", "/api/v1/datasets/d/versions/1/models",
     Need::kReadDatasets},
    {"GET", "/api/v1/models", "/api/v1/models", Need::kReadModels},
    {"POST", "/api/v1/models/{name}", "/api/v1/models/m", Need::kWrite},
    {"GET", "/api/v1/models/{name}", "/api/v1/models/m", Need::kReadModels},
    {"GET", "/api/v1/models/{name}/versions/{ref}", "/api/v1/models/m/versions/1",
     Need::kReadModels},
    {"DELETE", "/api/v1/models/{name}/versions/{ref}", "/api/v1/models/m/versions/1", Need::kAdmin},
    {"GET", "/api/v1/models/{name}/versions/{ref}/file", "/api/v1/models/m/versions/1/file",
     Need::kReadModels},
    {"GET", "/api/v1/models/{name}/versions/{ref}/manifest", "/api/v1/models/m/versions/1/manifest",
     Need::kReadModels},
    {"GET", "/api/v1/models/{name}/versions/{ref}/training-stats",
     "/api/v1/models/m/versions/1/training-stats", Need::kReadModels},
    {"GET", "/api/v1/models/{name}/aliases", "/api/v1/models/m/aliases", Need::kReadModels},
    {"GET", "/api/v1/models/{name}/aliases/{alias}", "/api/v1/models/m/aliases/prod",
     Need::kReadModels},
    {"PUT", "/api/v1/models/{name}/aliases/{alias}", "/api/v1/models/m/aliases/prod", Need::kAdmin},
    {"DELETE", "/api/v1/models/{name}/aliases/{alias}", "/api/v1/models/m/aliases/prod",
     Need::kAdmin},
    {"GET", "/api/v1/models/{name}/aliases/{alias}/history",
     "/api/v1/models/m/aliases/prod/history", Need::kReadModels},
    {"POST", "/api/v1/devices", "/api/v1/devices", Need::kAdmin},
    {"GET", "/api/v1/devices", "/api/v1/devices", Need::kAdmin},
    {"GET", "/api/v1/devices/{id}", "/api/v1/devices/dev", Need::kAdmin},
    {"DELETE", "/api/v1/devices/{id}", "/api/v1/devices/dev", Need::kAdmin},
    {"PUT", "/api/v1/devices/{id}/labels", "/api/v1/devices/dev/labels", Need::kAdmin},
    {"POST", "/api/v1/devices/{id}/activate", "/api/v1/devices/dev/activate", Need::kDeviceReport},
    {"POST", "/api/v1/devices/{id}/status", "/api/v1/devices/dev/status", Need::kDeviceReport},
    {"POST", "/api/v1/tokens", "/api/v1/tokens", Need::kAdmin},
    {"GET", "/api/v1/tokens", "/api/v1/tokens", Need::kAdmin},
    {"DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/0000000000000000", Need::kAdmin},
    {"GET", "/api/v1/events", "/api/v1/events", Need::kReadModels},
    {"POST", "/uploadModel", "/uploadModel", Need::kWrite, true},
    {"POST", "/uploadQuantizedModel", "/uploadQuantizedModel", Need::kWrite, true},
    {"POST", "/uploadNormalizedData", "/uploadNormalizedData", Need::kWrite, true},
    {"POST", "/uploadTrainingData", "/uploadTrainingData", Need::kWrite, true},
    {"GET", "/full/", "/full/", Need::kReadModels, true},
    {"GET", "/full/{file}", "/full/m", Need::kReadModels, true},
    {"GET", "/quantized/", "/quantized/", Need::kReadModels, true},
    {"GET", "/quantized/{file}", "/quantized/m", Need::kReadModels, true},
    {"GET", "/normalized_training_data/", "/normalized_training_data/", Need::kReadDatasets, true},
    {"GET", "/normalized_training_data/{file}", "/normalized_training_data/d", Need::kReadDatasets,
     true},
    {"GET", "/training_data", "/training_data", Need::kReadDatasets, true},
    {"GET", "/training_data/{file}", "/training_data/d", Need::kReadDatasets, true},
    {"POST", "/confirmActivation", "/confirmActivation", Need::kDeviceReport, true},
    {"POST", "/provisionDevice", "/provisionDevice", Need::kAdmin, true},
};

bool role_may(Role role, Need need) {
  switch (need) {
    case Need::kPublic:
    case Need::kReadModels:
      return true;
    case Need::kDeviceReport:
      return role == Role::kDevice || role == Role::kAdmin;
    case Need::kReadDatasets:
    case Need::kWrite:
      return role == Role::kPipeline || role == Role::kAdmin;
    case Need::kAdmin:
      return role == Role::kAdmin;
  }
  return false;
}

// The access names docs/openapi.json gives as x-access.
std::string_view access_name(Need need) {
  switch (need) {
    case Need::kPublic:
      return "public";
    case Need::kReadModels:
      return "read-models";
    case Need::kDeviceReport:
      return "device-report";
    case Need::kReadDatasets:
      return "read-datasets";
    case Need::kWrite:
      return "write-artifacts";
    case Need::kAdmin:
      return "admin";
  }
  return "";
}

class RegistryAuthTest : public RegistryFixture {
 protected:
  // The status of one request; GETs stop reading after the headers (event streams never end).
  int status_of(const RouteCase& route, const std::string& token) {
    auto http = client(token);
    const std::string path = route.path;
    const std::string method = route.method;
    if (method == "GET") {
      int status = -1;
      http->Get(
          path,
          [&status](const httplib::Response& response) {
            status = response.status;
            return false;
          },
          [](const char*, size_t) { return true; });
      return status;
    }
    httplib::Result result = method == "POST"  ? http->Post(path, "", "application/json")
                             : method == "PUT" ? http->Put(path, "", "application/json")
                                               : http->Delete(path);
    return result ? result->status : -1;
  }
};

TEST_F(RegistryAuthTest, EveryRoleAgainstEveryRoute) {
  start();
  const std::map<Role, std::string> tokens = {{Role::kDevice, token(Role::kDevice)},
                                              {Role::kPipeline, token(Role::kPipeline)},
                                              {Role::kAdmin, token(Role::kAdmin)}};
  auto revoked = store_->create_token(Role::kAdmin, "gone");
  ASSERT_TRUE(revoked);
  ASSERT_TRUE(store_->revoke_token(revoked->record.id));
  const std::string bogus = "aiotops_" + std::string(64, '0');
  size_t checks = 0;
  for (const RouteCase& route : kRoutes) {
    SCOPED_TRACE(std::string(route.method) + " " + route.path);
    for (const std::string& stranger : {std::string(), bogus, revoked->secret}) {
      const int status = status_of(route, stranger);
      if (route.need == Need::kPublic) {
        EXPECT_NE(status, 401);
      } else {
        EXPECT_EQ(status, 401);
      }
      ++checks;
    }
    for (const auto& [role, secret] : tokens) {
      SCOPED_TRACE(std::string(registry::to_string(role)));
      const int status = status_of(route, secret);
      ASSERT_NE(status, -1);
      if (role_may(role, route.need)) {
        EXPECT_NE(status, 401);
        EXPECT_NE(status, 403);
      } else {
        EXPECT_EQ(status, 403);
      }
      ++checks;
    }
  }
  EXPECT_EQ(checks, std::size(kRoutes) * 6);
}

TEST_F(RegistryAuthTest, RouteListMatchesTheOpenApiDescription) {
  auto text = read_file(std::filesystem::path(AIOTOPS_SOURCE_DIR) / "docs/openapi.json");
  ASSERT_TRUE(text);
  json openapi = json::parse(*text);
  std::set<std::string> documented;
  for (auto& [path, operations] : openapi["paths"].items()) {
    for (auto& [method, operation] : operations.items()) {
      if (method == "parameters") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + path + " " + operation["x-access"].get<std::string>());
    }
  }
  std::set<std::string> tested;
  for (const RouteCase& route : kRoutes) {
    tested.insert(fmt::format("{} {} {}", route.method, route.pattern, access_name(route.need)));
  }
  EXPECT_EQ(documented, tested);
  // And the server knows every one of them (no "no route" 404, no 405).
  start();
  for (const RouteCase& route : kRoutes) {
    const int status = status_of(route, {});
    EXPECT_NE(status, 405) << route.method << " " << route.path;
    if (status == 404) {
      auto http = client();
      if (std::string(route.method) == "GET") {
        EXPECT_THAT(http->Get(route.path)->body, ::testing::Not(::testing::HasSubstr("no route")))
            << route.path;
      }
    }
  }
}

TEST_F(RegistryAuthTest, WithoutTokensLoopbackIsOpen) {
  start();
  for (const RouteCase& route : kRoutes) {
    const int status = status_of(route, {});
    EXPECT_NE(status, 401) << route.method << " " << route.path;
    EXPECT_NE(status, 403) << route.method << " " << route.path;
  }
}

TEST_F(RegistryAuthTest, OpenReferenceRoutesNeedNoToken) {
  start();
  token(Role::kAdmin);
  registry::ServerOptions options;
  options.open_reference_routes = true;
  start(options);
  for (const RouteCase& route : kRoutes) {
    const int status = status_of(route, {});
    if (route.reference || route.need == Need::kPublic) {
      EXPECT_NE(status, 401) << route.path;
    } else {
      EXPECT_EQ(status, 401) << route.path;
    }
  }
  auto http = client();
  EXPECT_EQ(
      http->Post("/provisionDevice", "device_id=chip-1", "application/x-www-form-urlencoded")->body,
      "TRUE");
  EXPECT_EQ(
      http->Post("/confirmActivation", "device_id=chip-1", "application/x-www-form-urlencoded")
          ->body,
      "TRUE");
}

TEST_F(RegistryAuthTest, NonLoopbackNeedsATokenOrInsecure) {
  start();  // opens the store
  server_.reset();
  registry::ServerOptions options;
  options.listen = "0.0.0.0:0";
  auto refused = registry::RegistryServer::start(*store_, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(refused.error().message(), ::testing::HasSubstr("--insecure"));

  options.insecure = true;
  auto open = registry::RegistryServer::start(*store_, options);
  ASSERT_TRUE(open) << open.error().message();
  open->reset();

  // With a token it serves, and keeps asking for one even once every token is revoked.
  options.insecure = false;
  auto created = store_->create_token(Role::kAdmin, "ops");
  ASSERT_TRUE(created);
  auto guarded = registry::RegistryServer::start(*store_, options);
  ASSERT_TRUE(guarded) << guarded.error().message();
  ASSERT_TRUE(store_->revoke_token(created->record.id));
  httplib::Client http("127.0.0.1", (*guarded)->port());
  EXPECT_EQ(http.Get("/api/v1/models")->status, 401);
}

TEST_F(RegistryAuthTest, DeviceTokensSpeakOnlyForTheirDevice) {
  start();
  const std::string admin = token(Role::kAdmin);
  auto provision = [&](const std::string& id) {
    auto made = client(admin)->Post(
        "/api/v1/devices", json{{"id", id}, {"hardware", "esp32"}}.dump(), "application/json");
    ASSERT_EQ(made->status, 201) << made->body;
  };
  provision("esp-1");
  provision("esp-2");
  const std::string esp1 = token(Role::kDevice, "esp-1");
  const std::string report = R"({"model_version":"motor:3","firmware_version":"1.2.0"})";
  auto post = [&](const std::string& secret, const std::string& path, const std::string& body,
                  const char* type = "application/json") {
    return client(secret)->Post(path, body, type);
  };

  // Its own device: activation (both routes) and status reports.
  EXPECT_EQ(post(esp1, "/api/v1/devices/esp-1/activate", "")->status, 200);
  EXPECT_EQ(post(esp1, "/confirmActivation", "device_id=esp-1", "application/x-www-form-urlencoded")
                ->body,
            "TRUE");
  auto own = post(esp1, "/api/v1/devices/esp-1/status", report);
  ASSERT_EQ(own->status, 200) << own->body;
  EXPECT_EQ(json::parse(own->body)["model_version"], "motor:3");

  // Another device: refused with 403 naming both, and nothing about esp-2 changes.
  for (const auto& [path, body, type] :
       {std::tuple{"/api/v1/devices/esp-2/status", report, "application/json"},
        std::tuple{"/api/v1/devices/esp-2/activate", std::string(), "application/json"},
        std::tuple{"/confirmActivation", std::string("device_id=esp-2"),
                   "application/x-www-form-urlencoded"}}) {
    auto refused = post(esp1, path, body, type);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << path;
    EXPECT_THAT(refused->body, ::testing::HasSubstr("'esp-1', not 'esp-2'")) << path;
  }
  auto esp2 = client(admin)->Get("/api/v1/devices/esp-2");
  ASSERT_EQ(esp2->status, 200);
  EXPECT_EQ(json::parse(esp2->body)["activated"], false);
  EXPECT_EQ(json::parse(esp2->body)["model_version"], "");

  // An admin reports for any device; a device token still reads models but not datasets.
  EXPECT_EQ(post(admin, "/api/v1/devices/esp-2/status", report)->status, 200);
  EXPECT_EQ(client(esp1)->Get("/api/v1/models")->status, 200);
  EXPECT_EQ(client(esp1)->Get("/api/v1/datasets")->status, 403);

  // Tokens made over the API: a device token needs its device, other roles take none.
  auto unbound = post(admin, "/api/v1/tokens", R"({"role":"device"})");
  EXPECT_EQ(unbound->status, 400);
  EXPECT_THAT(unbound->body, ::testing::HasSubstr("--device"));
  EXPECT_EQ(post(admin, "/api/v1/tokens", R"({"role":"admin","device_id":"esp-1"})")->status, 400);
  auto bound = post(admin, "/api/v1/tokens", R"({"role":"device","device_id":"esp-2"})");
  ASSERT_EQ(bound->status, 201) << bound->body;
  const json created = json::parse(bound->body);
  EXPECT_EQ(created["device_id"], "esp-2");
  EXPECT_EQ(
      post(created["token"].get<std::string>(), "/api/v1/devices/esp-2/status", report)->status,
      200);
  EXPECT_EQ(
      post(created["token"].get<std::string>(), "/api/v1/devices/esp-1/status", report)->status,
      403);
}

TEST_F(RegistryAuthTest, DeviceEventStreamsSkipDatasets) {
  start();
  const std::string device = token(Role::kDevice);
  const std::string pipeline = token(Role::kPipeline);
  admin_token_ = token(Role::kAdmin);
  auto http = client(pipeline);
  ASSERT_EQ(upload(*http, "/api/v1/datasets/fleet", std::string(kRawCsv), "f.csv", "")->status,
            201);
  add_model("motor", model_bytes(1));
  auto read_stream = [&](const std::string& secret) {
    std::string received;
    client(secret)->Get("/api/v1/events?after=0", [&](const char* data, size_t size) {
      received.append(data, size);
      return received.find("event: model.version") == std::string::npos;
    });
    return received;
  };
  EXPECT_THAT(read_stream(pipeline), ::testing::HasSubstr("event: dataset.version"));
  EXPECT_THAT(read_stream(device), ::testing::Not(::testing::HasSubstr("dataset.version")));
  // Alias moves carry the token that made them.
  auto moved =
      client(admin_token_)
          ->Put("/api/v1/models/motor/aliases/production", R"({"version":1})", "application/json");
  ASSERT_EQ(moved->status, 200);
  EXPECT_THAT(json::parse(moved->body)["actor"].get<std::string>(),
              ::testing::StartsWith("token:"));
}

}  // namespace
}  // namespace aiotops::testing
