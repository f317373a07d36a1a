#include "registry/client.h"

#include <httplib.h>

#include <cstdio>

#include <fmt/format.h>

#include "registry/http_json.h"
#include "registry/signing.h"

namespace aiotops::registry {
namespace {

// Bytes read from disk per multipart chunk of an upload.
constexpr size_t kUploadChunk = 256 << 10;

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == ':';
}

std::string encode_segment(std::string_view segment) {
  std::string out;
  for (char c : segment) {
    if (unreserved(c)) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

ErrorCode code_for_status(int status) {
  switch (status) {
    case 400:
    case 405:
    case 416:
      return ErrorCode::kInvalidArgument;
    case 401:
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kAlreadyExists;
    case 413:
      return ErrorCode::kResourceExhausted;
    default:
      return status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  }
}

}  // namespace

Error answer_error(std::string_view what, int status, std::string_view body) {
  std::string message(body.substr(0, 512));
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    message = json["message"].get<std::string>();
  }
  return Error(code_for_status(status), fmt::format("{}: HTTP {}: {}", what, status, message));
}

std::string artifact_path(ArtifactPath kind, std::string_view name, std::string_view ref,
                          std::string_view tail) {
  std::string path = kind == ArtifactPath::kModels ? "/api/v1/models/" : "/api/v1/datasets/";
  path += encode_segment(name);
  if (!ref.empty()) path += "/versions/" + encode_segment(ref);
  if (!tail.empty()) path += fmt::format("/{}", tail);
  return path;
}

Result<std::unique_ptr<RegistryClient>> RegistryClient::create(ClientOptions options) {
  std::string url = options.url;
  while (url.ends_with('/')) url.pop_back();
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if ((scheme != "http" && scheme != "https") ||
      url.find('/', scheme_end + 3) != std::string::npos || url.size() == scheme_end + 3) {
    return fail(ErrorCode::kInvalidArgument,
                "registry URL '{}': expected http://host[:port] or https://host[:port]",
                options.url);
  }
  options.url = url;
  auto http = std::make_unique<httplib::Client>(url);
  if (!http->is_valid()) {
    return fail(ErrorCode::kInvalidArgument, "registry URL '{}': cannot use it", options.url);
  }
  http->set_connection_timeout(options.timeout);
  http->set_read_timeout(options.timeout);
  http->set_write_timeout(options.timeout);
  http->set_keep_alive(true);
  if (!options.token.empty()) http->set_bearer_token_auth(options.token);
  if (scheme == "https") {
    if (!options.ca_file.empty()) http->set_ca_cert_path(options.ca_file);
    http->enable_server_certificate_verification(options.verify_tls);
  }
  return std::unique_ptr<RegistryClient>(new RegistryClient(std::move(options), std::move(http)));
}

RegistryClient::RegistryClient(ClientOptions options, std::unique_ptr<httplib::Client> http)
    : options_(std::move(options)), http_(std::move(http)) {}

RegistryClient::~RegistryClient() = default;

// A JSON answer, or the error for a failed or refused call.
static Result<nlohmann::json> json_answer(const httplib::Result& result, std::string_view what,
                                          std::string_view url) {
  if (!result) {
    return fail(ErrorCode::kUnavailable, "{}: registry {} unreachable: {}", what, url,
                httplib::to_string(result.error()));
  }
  if (result->status >= 400)
    return std::unexpected(answer_error(what, result->status, result->body));
  if (result->body.empty()) return nlohmann::json();
  auto json = nlohmann::json::parse(result->body, nullptr, false);
  if (json.is_discarded()) {
    return fail(ErrorCode::kCorrupt, "{}: the registry answered malformed JSON", what);
  }
  return json;
}

Result<nlohmann::json> RegistryClient::get_json(const std::string& path) {
  return json_answer(http_->Get(path), fmt::format("GET {}", path), options_.url);
}

Result<nlohmann::json> RegistryClient::send_json(std::string_view method, const std::string& path,
                                                 const nlohmann::json& body) {
  const std::string text = body.is_null() ? std::string() : dump_json(body);
  const std::string what = fmt::format("{} {}", method, path);
  if (method == "POST")
    return json_answer(http_->Post(path, text, "application/json"), what, options_.url);
  if (method == "PUT")
    return json_answer(http_->Put(path, text, "application/json"), what, options_.url);
  if (method == "DELETE") {
    return json_answer(http_->Delete(path, text, "application/json"), what, options_.url);
  }
  return fail(ErrorCode::kInvalidArgument, "{}: not a method for send_json", method);
}

Result<nlohmann::json> RegistryClient::push(ArtifactPath kind, std::string_view name,
                                            const std::filesystem::path& file,
                                            const nlohmann::json& metadata) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return fail(ErrorCode::kNotFound, "{}: no such file", file.string());
    }
    return fail(ErrorCode::kIo, "{}: cannot open", file.string());
  }
  bool read_failed = false;
  std::vector<char> buffer(kUploadChunk);
  httplib::MultipartFormDataItems items{{"metadata", dump_json(metadata), "", "application/json"}};
  httplib::MultipartFormDataProviderItems providers{
      {"file",
       [&](size_t, httplib::DataSink& sink) {
         const size_t got = std::fread(buffer.data(), 1, buffer.size(), in.get());
         if (got > 0 && !sink.write(buffer.data(), got)) return false;
         if (got < buffer.size()) {
           if (std::ferror(in.get())) {
             read_failed = true;
             return false;
           }
           sink.done();
         }
         return true;
       },
       file.filename().string(), "application/octet-stream"}};
  const std::string path = artifact_path(kind, name, {});
  auto result = http_->Post(path, {}, items, providers);
  if (read_failed) return fail(ErrorCode::kIo, "{}: read failed", file.string());
  return json_answer(result, fmt::format("upload {} to {}", file.string(), path), options_.url);
}

Result<nlohmann::json> RegistryClient::manifest(ArtifactPath kind, std::string_view name,
                                                std::string_view ref) {
  return get_json(artifact_path(kind, name, ref, "manifest"));
}

Result<std::string> RegistryClient::public_key() {
  auto keys = get_json("/api/v1/keys");
  if (!keys) return fail(keys.error());
  if (!keys->contains("public_key") || !(*keys)["public_key"].is_string()) {
    return fail(ErrorCode::kCorrupt, "GET /api/v1/keys: no public_key in the answer");
  }
  return (*keys)["public_key"].get<std::string>();
}

Result<ModelDataset> RegistryClient::model_dataset(std::string_view name, std::string_view ref) {
  auto model = get_json(artifact_path(ArtifactPath::kModels, name, ref));
  if (!model) return fail(model.error().with_context(fmt::format("model {}@{}", name, ref)));
  ModelDataset lineage;
  lineage.model_version = model->value("version", int64_t{0});
  const nlohmann::json dataset = model->value("dataset", nlohmann::json());
  if (dataset.is_object() && dataset.value("name", nlohmann::json()).is_string() &&
      dataset.value("version", nlohmann::json()).is_number_integer()) {
    lineage.dataset =
        VersionRef{dataset["name"].get<std::string>(), dataset["version"].get<int64_t>()};
  }
  return lineage;
}

Result<TrainingDataset> RegistryClient::training_dataset(std::string_view name,
                                                         std::string_view ref) {
  // One request a device's token may make: the model's training-stats route, not the dataset's.
  const std::string what = fmt::format("model {}@{}", name, ref);
  auto answer = get_json(artifact_path(ArtifactPath::kModels, name, ref, "training-stats"));
  if (!answer) return fail(answer.error().with_context(what));
  const nlohmann::json model = answer->value("model", nlohmann::json());
  const nlohmann::json dataset = answer->value("dataset", nlohmann::json());
  if (!model.is_object() || !model.value("version", nlohmann::json()).is_number_integer() ||
      !dataset.is_object() || !dataset.value("name", nlohmann::json()).is_string() ||
      !dataset.value("version", nlohmann::json()).is_number_integer()) {
    return fail(ErrorCode::kCorrupt,
                "{}: training-stats: no model version or dataset name and version", what);
  }
  TrainingDataset training;
  training.model_version = model["version"].get<int64_t>();
  training.dataset =
      VersionRef{dataset["name"].get<std::string>(), dataset["version"].get<int64_t>()};
  auto stats = telemetry::stats_from_json(answer->value("stats", nlohmann::json()));
  if (!stats) {
    return fail(ErrorCode::kCorrupt, "{}: dataset {}:{}: statistics: {}", what,
                training.dataset.name, training.dataset.version, stats.error().message());
  }
  training.stats = std::move(*stats);
  return training;
}

Result<nlohmann::json> RegistryClient::set_alias(std::string_view name, std::string_view alias,
                                                 int64_t version) {
  return send_json(
      "PUT",
      fmt::format("/api/v1/models/{}/aliases/{}", encode_segment(name), encode_segment(alias)),
      {{"version", version}});
}

Status verify_download(const std::filesystem::path& file, std::string_view manifest_document,
                       std::string_view public_key) {
  auto document = parse_json_object(manifest_document, "manifest document");
  if (!document) return fail(document.error());
  for (const char* field : {"manifest", "signature"}) {
    if (!document->contains(field) || !(*document)[field].is_string()) {
      return fail(ErrorCode::kInvalidArgument, "manifest document: '{}' missing or not a string",
                  field);
    }
  }
  // The key as /api/v1/keys serves it, or the bare base64 text of ed25519.pub.
  std::string key_text(public_key);
  auto key_json = nlohmann::json::parse(public_key, nullptr, false);
  if (key_json.is_object() && key_json.contains("public_key") &&
      key_json["public_key"].is_string()) {
    key_text = key_json["public_key"].get<std::string>();
  }
  auto key = parse_public_key(key_text);
  if (!key) return fail(key.error());
  return verify_artifact(file, (*document)["manifest"].get<std::string>(),
                         (*document)["signature"].get<std::string>(), *key);
}

}  // namespace aiotops::registry
