// libFuzzer target: the registry's request parsing, without a network or a store. The first
// byte picks the path the rest takes:
//   0: a whole HTTP request through cpp-httplib's request parser (request line, headers, chunked
//      and multipart framing) into handlers that read uploads as the registry does (UploadParts)
//      and hand the body, the path and the headers to the registry's parsers below;
//   1: every JSON body parser (upload metadata, devices, labels, status reports, alias moves,
//      tokens);
//   2: names, aliases, device ids, versions, reference file names, request targets, Range and
//      Authorization headers, split at the first newline into a value and a size.
// Whatever a parser accepts is checked against its documented guarantees.

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_checks.h"
#include "registry/http_auth.h"
#include "registry/http_json.h"
#include "registry/http_range.h"
#include "registry/http_reference.h"
#include "registry/http_router.h"
#include "registry/http_upload.h"
#include "registry/names.h"

namespace {

using namespace aiotops::registry;
using aiotops::fuzz::require;

// Route patterns of every shape the registry serves (server_routes.cc).
constexpr std::string_view kPatterns[] = {
    "/healthz",
    "/api/v1/models/{}",
    "/api/v1/models/{}/versions/{}/file",
    "/api/v1/models/{}/aliases/{}/history",
    "/full/{}",
};

bool is_name_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

void check_name(std::string_view text) {
  if (validate_name(text, "name")) {
    require(!text.empty() && text.size() <= kMaxNameLength, "a name is 1..128 bytes");
    require(text.front() != '.', "a name never starts with '.'");
    for (char c : text) require(is_name_byte(c), "a name holds [A-Za-z0-9._-] only");
  }
  if (validate_alias(text)) {
    require(validate_name(text, "alias").has_value(), "an alias is also a valid name");
    require(text != "latest", "'latest' is never an alias");
    require(!parse_version_number(text, "alias"), "an alias is never a version number");
  }
  if (validate_device_id(text)) {
    require(!text.empty() && text.find('/') == std::string_view::npos && text.front() != '.',
            "a device id is no path");
  }
  if (validate_text(text, "text")) {
    for (char c : text) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "no controls");
  }
  if (auto version = parse_version_number(text, "version")) {
    require(*version >= 1, "versions start at 1");
  }
  if (auto name = reference_artifact_name(text)) {
    require(validate_name(*name, "file name").has_value(), "a file name maps to a valid name");
  }
}

void check_range(std::string_view header, uint64_t size) {
  const ByteRange range = resolve_range(header, size);
  const std::string content = content_range(range, size);
  switch (range.kind) {
    case ByteRange::Kind::kWhole:
      break;
    case ByteRange::Kind::kPartial:
      require(range.length >= 1 && range.offset < size && range.length <= size - range.offset,
              "a partial range lies within the body");
      require(content.starts_with("bytes ") && content.ends_with("/" + std::to_string(size)),
              "Content-Range of a partial range");
      break;
    case ByteRange::Kind::kUnsatisfiable:
      require(content == "bytes */" + std::to_string(size), "Content-Range of a 416");
      break;
  }
}

void check_target(std::string_view target) {
  const std::vector<std::string> segments = split_target(target);
  for (std::string_view pattern : kPatterns) {
    std::vector<std::string> captures;
    if (match_route(pattern, segments, captures)) {
      size_t holes = 0;
      for (size_t at = pattern.find("{}"); at != std::string_view::npos;
           at = pattern.find("{}", at + 2)) {
        ++holes;
      }
      require(captures.size() == holes, "one capture per {} of the pattern");
      for (const std::string& capture : captures) check_name(capture);
    }
  }
}

void check_authorization(std::string_view header) {
  if (auto token = bearer_credential(header)) {
    require(!token->empty() && token->front() != ' ' && token->back() != ' ',
            "a bearer credential is trimmed and not empty");
  }
}

void check_json_bodies(std::string_view text) {
  if (auto model = parse_model_metadata(text, "m")) {
    require(model->name == "m", "the model name comes from the URL");
    require(!model->version || *model->version >= 1, "model versions start at 1");
    require(model->metrics.is_object(), "metrics are an object");
  }
  if (auto dataset = parse_dataset_metadata(text, "d")) {
    require(dataset->name == "d", "the dataset name comes from the URL");
    require(dataset->metadata.is_object(), "dataset metadata is an object");
  }
  if (auto device = parse_new_device(text)) {
    require(validate_device_id(device->id).has_value(), "a new device's id is valid");
  }
  (void)parse_device_labels(text);
  (void)parse_device_report(text);
  if (auto version = parse_alias_target(text)) require(*version >= 1, "alias targets are >= 1");
  (void)parse_token_request(text);
}

// An in-memory connection: reads the input, discards the answer.
class MemoryStream : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view input) : input_(input) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, input_.size());
    std::memcpy(ptr, input_.data(), n);
    input_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8081;
  }
  socket_t socket() const override { return 0; }

 private:
  std::string_view input_;
};

// A cpp-httplib server that takes requests from a MemoryStream.
class RequestParser : public httplib::Server {
 public:
  RequestParser() {
    set_payload_max_length(size_t{1} << 20);
    auto with_body = [](const httplib::Request& request, httplib::Response&,
                        const httplib::ContentReader& reader) {
      check_headers(request);
      if (request.is_multipart_form_data()) {
        read_upload(reader);
        return;
      }
      std::string body;
      reader([&body](const char* data, size_t size) {
        body.append(data, size);
        return body.size() <= kMaxBody;
      });
      check_json_bodies(body);
      httplib::Params form;
      httplib::detail::parse_query_text(body, form);
      for (const auto& [key, value] : form) check_name(value);
    };
    Post(".*", with_body);
    Put(".*", with_body);
    Get(".*", [](const httplib::Request& request, httplib::Response&) { check_headers(request); });
  }

  void parse(std::string_view input) {
    MemoryStream stream(input);
    bool closed = false;
    process_request(stream, true, closed, nullptr);
  }

 private:
  static constexpr size_t kMaxBody = 64 << 10;
  static constexpr uint64_t kMaxMetadata = 4096;

  static void check_headers(const httplib::Request& request) {
    check_target(request.target);
    check_range(request.get_header_value("Range"), request.target.size() * 37);
    check_authorization(request.get_header_value("Authorization"));
  }

  // As RegistryServer::Impl::receive_upload, with the blob store's writer replaced by a count.
  static void read_upload(const httplib::ContentReader& reader) {
    size_t file_bytes = 0;
    UploadParts parts(
        [&file_bytes](std::string_view bytes) -> aiotops::Status {
          file_bytes += bytes.size();
          if (file_bytes > kMaxBody) {
            return aiotops::fail(aiotops::ErrorCode::kResourceExhausted, "too large");
          }
          return {};
        },
        kMaxMetadata);
    const bool complete = reader(
        [&parts](const httplib::MultipartFormData& header) {
          return parts.begin_part(header.name, header.filename);
        },
        [&parts](const char* data, size_t size) {
          return parts.append(std::string_view(data, size));
        });
    require(parts.metadata().size() <= kMaxMetadata, "metadata within its limit");
    if (!parts.finish(complete)) return;
    check_json_bodies(parts.metadata());
    (void)reference_artifact_name(parts.filename());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static RequestParser parser;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      parser.parse(text);
      break;
    case 1:
      check_json_bodies(text);
      break;
    default: {
      const size_t newline = text.find('\n');
      const std::string_view value = text.substr(0, newline);
      const uint64_t body_size = newline == std::string_view::npos ? 0 : text.size() - newline - 1;
      check_name(value);
      check_target(value);
      for (uint64_t size : {body_size, uint64_t{0}, UINT64_MAX}) check_range(value, size);
      check_authorization(value);
      break;
    }
  }
  return 0;
}
