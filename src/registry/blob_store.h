#pragma once
// The content-addressed blob store: every uploaded file lives once, under
// <root>/<sha256[0:2]>/<sha256>. A write streams into a temp file in that directory (hashing as
// it goes), is fsynced, renamed to its hash and the directory fsynced, all before any metadata
// refers to it: a crash leaves either the whole blob or a stray temp file (removed by gc()).
// On-disk layout: docs/formats/registry-store.md.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/sha256.h"

namespace aiotops::registry {

// The identity of a stored blob.
struct BlobInfo {
  std::string sha256;  // lower-case hex, 64 characters
  uint64_t size = 0;   // bytes
};

// An open blob for reading or serving (sendfile, pread). Owns the descriptor; movable.
class BlobFile {
 public:
  BlobFile(int fd, std::filesystem::path path, uint64_t size);
  BlobFile(BlobFile&& other) noexcept;
  BlobFile& operator=(BlobFile&& other) noexcept;
  BlobFile(const BlobFile&) = delete;
  ~BlobFile();

  int fd() const { return fd_; }  // read-only descriptor, valid while this object lives
  const std::filesystem::path& path() const { return path_; }
  uint64_t size() const { return size_; }  // bytes, from fstat at open time

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  uint64_t size_ = 0;
};

// Streams one upload into the store. append() chunks, then commit(); destroying it without a
// commit removes the temp file. Not thread-safe; one writer per upload.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&& other) noexcept;
  BlobWriter& operator=(BlobWriter&&) = delete;
  BlobWriter(const BlobWriter&) = delete;
  ~BlobWriter();

  // Appends bytes. Fails with kResourceExhausted once the total would pass the size limit
  // (the writer is then dead: later calls fail too), kIo on a write error.
  Status append(std::string_view bytes);
  uint64_t size() const { return size_; }  // bytes appended so far

  // Makes the blob durable under its hash (fsync, rename, fsync of the directory) and returns
  // its identity. A blob with that hash already there is replaced by the new (identical) file,
  // which refreshes its mtime so gc() spares it during the grace period. kIo on failure.
  Result<BlobInfo> commit();

 private:
  friend class BlobStore;
  BlobWriter(std::filesystem::path root, std::filesystem::path temp, int fd, uint64_t limit);
  void abandon();

  std::filesystem::path root_;
  std::filesystem::path temp_;
  int fd_ = -1;
  uint64_t limit_ = 0;
  uint64_t size_ = 0;
  bool failed_ = false;
  std::unique_ptr<Sha256> hash_;  // heap: keeps the writer cheap to move
};

struct GcReport {
  size_t removed_blobs = 0;    // unreferenced blobs older than the grace period, deleted
  uint64_t removed_bytes = 0;  // their total size
  size_t removed_temps = 0;    // abandoned temp files older than the grace period, deleted
  size_t kept_young = 0;       // unreferenced blobs spared because they are younger
};

// Thread-safe: any number of writers and readers at once (files are only ever created by
// rename and deleted by gc()).
class BlobStore {
 public:
  // Uses (and creates, mode 0755) `root`. Fails with kIo.
  static Result<BlobStore> open(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  // Starts a streaming write with a size limit in bytes (0: none). Fails with kIo.
  Result<BlobWriter> begin_write(uint64_t limit_bytes) const;
  // Convenience for small blobs held in memory: begin_write + append + commit.
  Result<BlobInfo> put(std::string_view bytes, uint64_t limit_bytes = 0) const;

  // Where blob `sha256` lives (whether or not it exists). kInvalidArgument for a malformed hash.
  Result<std::filesystem::path> path_of(std::string_view sha256) const;
  // Opens blob `sha256` read-only. kNotFound if absent, kInvalidArgument for a malformed hash.
  Result<BlobFile> open_blob(std::string_view sha256) const;
  // True when the blob file exists. kInvalidArgument for a malformed hash, kIo on stat errors.
  Result<bool> exists(std::string_view sha256) const;
  // Size of an existing blob. kNotFound if absent.
  Result<uint64_t> size_of(std::string_view sha256) const;

  // Re-hashes the blob's bytes. Success means the content matches its name; kCorrupt names
  // the blob and the hash found; kNotFound if absent.
  Status verify(std::string_view sha256) const;

  // Calls `visit(sha256)` for every blob file present (not temp files), in no set order.
  // Fails with kIo on a directory read error.
  Status for_each(const std::function<void(const std::string&)>& visit) const;

  // Deletes blobs not in `referenced` and temp files, but only those whose mtime is older than
  // `grace` before `now`, so an upload still in progress (or committed a moment ago and about
  // to be referenced) survives. The caller must hold off new references to a blob it deems
  // unreferenced (Store::gc does this inside a write transaction). kIo on failure.
  Result<GcReport> gc(const std::set<std::string>& referenced, std::chrono::seconds grace,
                      std::chrono::system_clock::time_point now) const;

 private:
  explicit BlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

// True for a lower-case hex string of 64 characters.
bool is_sha256_hex(std::string_view text);

}  // namespace aiotops::registry
