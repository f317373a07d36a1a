// Reading requests and writing answers, shared by every route: JSON and error bodies, small
// bodies and multipart uploads with their limits, and blob downloads with ETag, conditional
// requests and ranges.

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "registry/http_json.h"
#include "registry/http_range.h"
#include "registry/http_upload.h"
#include "registry/server_impl.h"
#include "registry/signing.h"

namespace aiotops::registry {
namespace {

// The bytes of one blob being downloaded: its kept mapping (BlobMaps), or its open file to
// read from when it cannot be mapped (empty, or mmap refused). Lives as long as the response's
// content provider.
class BlobSource {
 public:
  explicit BlobSource(std::shared_ptr<const MappedBlob> map) : map_(std::move(map)) {}
  explicit BlobSource(BlobFile file) : file_(std::move(file)) {}
  BlobSource(const BlobSource&) = delete;
  BlobSource& operator=(const BlobSource&) = delete;

  uint64_t size() const { return map_ ? map_->bytes().size() : file_->size(); }

  // Up to `left` bytes from byte `at`; empty when a read finds the blob truncated (the client
  // then sees a short body). Read bytes stay valid until the next call on this thread.
  std::string_view read(uint64_t at, size_t left) const {
    if (map_) return map_->bytes().substr(at, left);
    thread_local std::vector<char> buffer(size_t{64} << 10);
    const size_t want = std::min(left, buffer.size());
    const ssize_t got = pread(file_->fd(), buffer.data(), want, static_cast<off_t>(at));
    return got > 0 ? std::string_view(buffer.data(), static_cast<size_t>(got)) : std::string_view();
  }

 private:
  std::shared_ptr<const MappedBlob> map_;  // null when reading from file_
  std::optional<BlobFile> file_;
};

// The bytes of blob `sha256`: its kept mapping, else the blob opened (and mapped when it can be).
Result<std::shared_ptr<const BlobSource>> open_blob_source(const Store& store, BlobMaps& maps,
                                                           const std::string& sha256) {
  if (auto kept = maps.find(sha256)) return std::make_shared<const BlobSource>(std::move(kept));
  auto opened = store.open_blob(sha256);
  if (!opened) {
    if (opened.error().code() != ErrorCode::kNotFound) return fail(opened.error());
    return fail(ErrorCode::kInternal, "blob {} is missing from the store (aiotops registry check)",
                sha256);
  }
  if (auto mapped = maps.map(sha256, *opened)) {
    return std::make_shared<const BlobSource>(std::move(mapped));
  }
  return std::make_shared<const BlobSource>(std::move(*opened));
}

std::string_view error_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "conflict";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kResourceExhausted:
      return "payload_too_large";
    case ErrorCode::kUnavailable:
      return "unavailable";
    default:
      return "internal";
  }
}

// Whether an If-None-Match or If-Range value names the entity tag of blob `sha256` (weak or
// strong, quoted or bare, or "*" when `star` counts).
bool etag_listed(std::string_view header, std::string_view sha256, bool star) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (star && tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
      tag = tag.substr(1, tag.size() - 2);
    }
    if (tag == sha256) return true;
  }
  return false;
}

}  // namespace

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kResourceExhausted:
      return 413;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

nlohmann::json summary_json(const DatasetRecord& record) {
  nlohmann::json json = to_json(record);
  json.erase("stats");
  return json;
}

nlohmann::json signed_manifest_json(const std::string& manifest, const std::string& signature,
                                    const KeyPair& keys) {
  return {{"manifest", manifest}, {"signature", signature}, {"key_id", key_id(keys.public_key)}};
}

void send_json(Call& call, int status, const nlohmann::json& body) {
  call.response.status = status;
  call.response.set_content(dump_json(body), "application/json");
}

void send_error(Call& call, const Error& error) {
  send_json(call, http_status(error.code()),
            {{"error", error_name(error.code())}, {"message", error.message()}});
}

Result<std::string> RegistryServer::Impl::read_body(Call& call, uint64_t limit) {
  if (!call.reader) return call.request.body;  // GET and DELETE: read by cpp-httplib
  if (call.request.is_multipart_form_data()) {
    return fail(ErrorCode::kInvalidArgument, "expected a JSON or form body, not multipart");
  }
  call.body_read = true;
  std::string body;
  bool too_large = false;
  const bool complete = (*call.reader)([&](const char* data, size_t size) {
    if (body.size() + size > limit) {
      too_large = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (too_large || call.response.status == 413) {
    return fail(ErrorCode::kResourceExhausted, "request body larger than {} bytes", limit);
  }
  if (!complete) return fail(ErrorCode::kInvalidArgument, "request body: truncated or malformed");
  return body;
}

Result<Upload> RegistryServer::Impl::receive_upload(Call& call) {
  if (!call.reader || !call.request.is_multipart_form_data()) {
    return fail(ErrorCode::kInvalidArgument,
                "expected a multipart/form-data body with a 'file' part (and optionally a "
                "'metadata' part)");
  }
  call.body_read = true;
  auto writer = store.begin_upload();
  if (!writer) return fail(writer.error());
  UploadParts parts([&writer](std::string_view bytes) { return writer->append(bytes); },
                    options.max_json_bytes);
  const bool complete = (*call.reader)(
      [&parts](const httplib::MultipartFormData& header) {
        return parts.begin_part(header.name, header.filename);
      },
      [&parts](const char* data, size_t size) {
        return parts.append(std::string_view(data, size));
      });
  // cpp-httplib stops reading past its payload limit and marks the answer 413.
  if (call.response.status == 413) {
    return fail(ErrorCode::kResourceExhausted, "upload larger than the limit of {} bytes",
                store.options().max_upload_bytes);
  }
  if (Status s = parts.finish(complete); !s) return fail(s.error());
  auto blob = writer->commit();
  if (!blob) return fail(blob.error());
  Upload upload;
  upload.blob = std::move(*blob);
  upload.filename = parts.filename();
  upload.metadata = std::move(parts.metadata());
  return upload;
}

Status RegistryServer::Impl::send_blob(Call& call, const std::string& sha256,
                                       std::string_view content_type) {
  httplib::Response& response = call.response;
  response.set_header("ETag", fmt::format("\"{}\"", sha256));
  response.set_header("X-Content-SHA256", sha256);
  response.set_header("Accept-Ranges", "bytes");
  response.set_header("Cache-Control", "no-cache");
  // A device that has the file asks with its ETag: answered without touching the blob.
  if (etag_listed(call.request.get_header_value("If-None-Match"), sha256, true)) {
    response.status = 304;
    return {};
  }
  auto source = open_blob_source(store, blob_maps, sha256);
  if (!source) return fail(source.error());
  const uint64_t size = (*source)->size();
  ByteRange range = resolve_range(call.request.get_header_value("Range"), size);
  // If-Range: the range holds only while the entity is the one the client has part of.
  if (call.request.has_header("If-Range") &&
      !etag_listed(call.request.get_header_value("If-Range"), sha256, false)) {
    range = ByteRange{};
  }
  if (range.kind == ByteRange::Kind::kUnsatisfiable) {
    response.set_header("Content-Range", content_range(range, size));
    send_json(call, 416,
              {{"error", "range_not_satisfiable"},
               {"message", fmt::format("range '{}' lies beyond the {} bytes of the file",
                                       call.request.get_header_value("Range"), size)}});
    return {};
  }
  uint64_t offset = 0;
  uint64_t length = size;
  response.status = 200;
  if (range.kind == ByteRange::Kind::kPartial) {
    offset = range.offset;
    length = range.length;
    response.status = 206;
    response.set_header("Content-Range", content_range(range, size));
  }
  if (length == 0) {
    response.set_content(std::string(), std::string(content_type));
    return {};
  }
  SendGate* gate = length >= kLargeBodyBytes ? &large_sends : nullptr;
  // The whole range in one call, so a large body keeps its slot in the gate until it is sent.
  response.set_content_provider(length, std::string(content_type),
                                [source = std::move(*source), gate, offset](
                                    size_t done, size_t left, httplib::DataSink& sink) {
                                  SendGate::Pass pass = gate ? gate->enter() : SendGate::Pass();
                                  while (left > 0) {
                                    auto bytes = source->read(offset + done, left);
                                    if (bytes.empty() || !sink.write(bytes.data(), bytes.size()))
                                      return false;
                                    done += bytes.size();
                                    left -= bytes.size();
                                  }
                                  return true;
                                });
  return {};
}

}  // namespace aiotops::registry
