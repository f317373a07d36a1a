// Downloads: one GET streamed to a sink, resumed with Range + If-Range after a broken
// connection, the result checked against the SHA-256 the server names.

#include <fcntl.h>
#include <unistd.h>

#include <httplib.h>

#include <charconv>
#include <cstdio>

#include <fmt/format.h>

#include "common/files.h"
#include "common/sha256.h"
#include "registry/client.h"
#include "registry/file_ops.h"

namespace aiotops::registry {
namespace {

// Bytes of an error answer kept for its message.
constexpr size_t kMaxErrorBody = 64 << 10;

uint64_t to_number(std::string_view text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The total size in "Content-Range: bytes A-B/TOTAL".
uint64_t range_total(const std::string& content_range) {
  const size_t slash = content_range.rfind('/');
  return slash == std::string::npos ? 0
                                    : to_number(std::string_view(content_range).substr(slash + 1));
}

// The first byte in "Content-Range: bytes A-B/TOTAL".
uint64_t range_start(const std::string& content_range) {
  constexpr std::string_view kUnit = "bytes ";
  if (!content_range.starts_with(kUnit)) return 0;
  return to_number(std::string_view(content_range).substr(kUnit.size()));
}

// Where a partial download keeps the SHA-256 of the bytes it holds part of, so the next run can
// ask for the rest of exactly that file (If-Range).
std::filesystem::path part_path(const std::filesystem::path& out) { return out.string() + ".part"; }
std::filesystem::path part_hash_path(const std::filesystem::path& out) {
  return out.string() + ".part.sha256";
}

Status write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, "write {}: {}", path.string(), errno_text());
    }
    bytes.remove_prefix(static_cast<size_t>(wrote));
  }
  return {};
}

}  // namespace

struct RegistryClient::Transfer {
  int status = 0;
  std::string sha256;   // X-Content-SHA256: of the whole file
  int64_t version = 0;  // X-Version
  uint64_t start = 0;   // the first byte the body holds
  uint64_t total = 0;   // the whole file's size
  uint64_t received = 0;
  bool complete = false;  // the body arrived in full
};

Result<RegistryClient::Transfer> RegistryClient::get_stream(const std::string& path,
                                                            uint64_t offset,
                                                            const std::string& etag,
                                                            const Sink& sink) {
  httplib::Headers headers;
  if (offset > 0) {
    headers.emplace("Range", fmt::format("bytes={}-", offset));
    headers.emplace("If-Range", fmt::format("\"{}\"", etag));
  }
  Transfer transfer;
  std::string error_body;
  bool sink_failed = false;
  auto result = http_->Get(
      path, headers,
      [&](const httplib::Response& response) {
        transfer.status = response.status;
        transfer.sha256 = response.get_header_value("X-Content-SHA256");
        transfer.version = static_cast<int64_t>(to_number(response.get_header_value("X-Version")));
        if (response.status == 206) {
          const std::string range = response.get_header_value("Content-Range");
          transfer.start = range_start(range);
          transfer.total = range_total(range);
        } else if (response.status == 200) {
          transfer.total = response.get_header_value<uint64_t>("Content-Length");
        }
        return true;
      },
      [&](const char* data, size_t size) {
        if (transfer.status >= 300) {
          if (error_body.size() < kMaxErrorBody) error_body.append(data, size);
          return true;
        }
        transfer.received += size;
        if (!sink(transfer, std::string_view(data, size))) {
          sink_failed = true;
          return false;
        }
        return true;
      });
  const std::string what = fmt::format("GET {}", path);
  if (sink_failed) return transfer;  // the caller's sink says why
  if (!result) {
    if (transfer.status == 200 || transfer.status == 206) return transfer;  // broken mid-way
    return fail(ErrorCode::kUnavailable, "{}: registry {} unreachable: {}", what, options_.url,
                httplib::to_string(result.error()));
  }
  if (transfer.status == 416) return transfer;
  if (transfer.status >= 300)
    return std::unexpected(answer_error(what, transfer.status, error_body));
  transfer.complete = transfer.start + transfer.received == transfer.total;
  return transfer;
}

Result<Download> RegistryClient::pull(ArtifactPath kind, std::string_view name,
                                      std::string_view ref, const std::filesystem::path& out) {
  const std::string path = artifact_path(kind, name, ref, "file");
  const std::filesystem::path part = part_path(out);
  const std::filesystem::path part_hash = part_hash_path(out);
  Download download;
  Error last_error(ErrorCode::kUnavailable, fmt::format("GET {}: no attempt made", path));
  for (int attempt = 0; attempt < std::max(1, options_.attempts); ++attempt) {
    std::error_code ec;
    uint64_t offset = std::filesystem::exists(part, ec) ? std::filesystem::file_size(part, ec) : 0;
    std::string expected = offset > 0 ? read_file(part_hash).value_or("") : "";
    if (expected.empty()) offset = 0;
    if (attempt == 0) download.resumed_from = offset;
    const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return fail(ErrorCode::kIo, "open {}: {}", part.string(), errno_text());
    Status write_status;
    bool started = false;
    auto transfer =
        get_stream(path, offset, expected, [&](const Transfer& t, std::string_view bytes) {
          // A 200 to a ranged request: the file changed (If-Range) or the range was ignored.
          if (!started && t.status == 200 && offset > 0 && ::ftruncate(fd, 0) != 0) {
            write_status = fail(ErrorCode::kIo, "truncate {}: {}", part.string(), errno_text());
            return false;
          }
          started = true;
          write_status = write_all(fd, bytes, part);
          return write_status.has_value();
        });
    ::fsync(fd);
    ::close(fd);
    if (!write_status) return fail(write_status.error());
    if (!transfer) {
      if (!transfer.error().retriable()) return fail(transfer.error());
      last_error = transfer.error();
      continue;
    }
    if (transfer->status == 416) {
      // The partial file is as long as the whole: check it below as a finished download.
      transfer->sha256 = expected;
      transfer->complete = true;
    } else if (transfer->status == 200 && offset > 0) {
      download.resumed_from = 0;
    }
    if (!transfer->sha256.empty() && transfer->sha256 != expected) {
      if (Status s = write_file_atomic(part_hash, transfer->sha256); !s) return fail(s.error());
      expected = transfer->sha256;
    }
    if (transfer->version > 0) download.version = transfer->version;
    if (!transfer->complete) {
      last_error = Error(ErrorCode::kUnavailable,
                         fmt::format("GET {}: connection broke after {} of {} bytes", path,
                                     transfer->start + transfer->received, transfer->total));
      continue;
    }
    auto digest = hash_file(part);
    if (!digest) return fail(digest.error());
    if (expected.empty() || digest->sha256 != expected) {
      std::filesystem::remove(part, ec);
      std::filesystem::remove(part_hash, ec);
      return fail(ErrorCode::kCorrupt, "GET {}: downloaded bytes hash to {}, the registry names {}",
                  path, digest->sha256, expected.empty() ? "none" : expected);
    }
    std::filesystem::rename(part, out, ec);
    if (ec)
      return fail(ErrorCode::kIo, "rename {} to {}: {}", part.string(), out.string(), ec.message());
    std::filesystem::remove(part_hash, ec);
    if (Status s = fsync_dir(out.parent_path().empty() ? "." : out.parent_path()); !s) {
      return fail(s.error());
    }
    download.sha256 = digest->sha256;
    download.size = digest->size;
    return download;
  }
  return fail(Error(ErrorCode::kUnavailable, fmt::format("{} (after {} attempts)",
                                                         last_error.message(), options_.attempts)));
}

Result<FetchedModel> RegistryClient::fetch_model(std::string_view name, std::string_view ref,
                                                 size_t max_bytes) {
  const std::string path = artifact_path(ArtifactPath::kModels, name, ref, "file");
  FetchedModel model;
  model.origin = options_.url + path;
  bool too_large = false;
  auto transfer = get_stream(path, 0, {}, [&](const Transfer&, std::string_view bytes) {
    if (model.bytes.size() + bytes.size() > max_bytes) {
      too_large = true;
      return false;
    }
    model.bytes.append(bytes);
    return true;
  });
  if (too_large) {
    return fail(ErrorCode::kResourceExhausted, "GET {}: model larger than {} bytes", path,
                max_bytes);
  }
  if (!transfer) return fail(transfer.error());
  if (!transfer->complete) {
    return fail(ErrorCode::kUnavailable, "GET {}: connection broke after {} of {} bytes", path,
                transfer->received, transfer->total);
  }
  model.sha256 = sha256_hex(model.bytes);
  if (model.sha256 != transfer->sha256) {
    return fail(ErrorCode::kCorrupt, "GET {}: bytes hash to {}, the registry names {}", path,
                model.sha256, transfer->sha256);
  }
  model.version = transfer->version;
  return model;
}

}  // namespace aiotops::registry
