#pragma once
// Read-only mappings of downloaded blobs, kept between requests. Mapping a blob per download
// and unmapping it afterwards cost the server as much CPU as sending it (the process's mmap lock
// taken for writing, page tables filled, a TLB shootdown on every unmap), and opening, stat'ing
// and closing its file cost a small download a tenth of its CPU; a fleet downloads the same few
// models, so their mappings are worth keeping and are served without touching the file.
// Blobs are named by their content and never rewritten in place; a kept mapping is confirmed
// against the file on disk (one stat) at most once per `recheck`, so a blob replaced on disk
// (another inode: a repair by hand) is mapped anew within that time. An unlinked blob keeps its
// disk space while its mapping is kept.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "registry/blob_store.h"

namespace aiotops::registry {

// One whole blob file mapped read-only; unmapped when the last holder lets go. Immutable.
class MappedBlob {
 public:
  // Maps all of `file`; null when it is empty or cannot be stat'ed or mapped.
  static std::shared_ptr<const MappedBlob> map(const BlobFile& file);
  ~MappedBlob();
  MappedBlob(const MappedBlob&) = delete;
  MappedBlob& operator=(const MappedBlob&) = delete;

  std::string_view bytes() const { return {data_, size_}; }
  // Whether the file now at the path this was mapped from is the one it maps (same device,
  // inode and size).
  bool still_on_disk() const;

 private:
  MappedBlob(const char* data, size_t size, dev_t device, ino_t inode, std::filesystem::path path)
      : data_(data), size_(size), device_(device), inode_(inode), path_(std::move(path)) {}
  const char* data_;
  size_t size_;
  dev_t device_;
  ino_t inode_;
  std::filesystem::path path_;
};

class BlobMaps {
 public:
  using Clock = std::chrono::steady_clock;

  // Keeps at most `capacity` mappings (each at most `max_blob_bytes`; larger blobs are mapped
  // per download and not kept), the least recently used dropped first.
  explicit BlobMaps(size_t capacity = 64, uint64_t max_blob_bytes = uint64_t{256} << 20,
                    Clock::duration recheck = std::chrono::seconds(1))
      : capacity_(capacity), max_blob_bytes_(max_blob_bytes), recheck_(recheck) {}

  // The kept mapping of blob `sha256`, confirmed against its file on disk when that was last
  // done `recheck` or longer ago; null when none is kept (or the file changed: the caller opens
  // it and calls map()). Thread-safe; the mapping stays valid for as long as the caller holds it.
  std::shared_ptr<const MappedBlob> find(const std::string& sha256);

  // A new mapping of the open blob `file` named `sha256`, kept when it is small enough. Null
  // when the file cannot be mapped (the caller reads it instead). Thread-safe.
  std::shared_ptr<const MappedBlob> map(const std::string& sha256, const BlobFile& file);

 private:
  struct Entry {
    std::shared_ptr<const MappedBlob> blob;
    uint64_t used = 0;            // tick of the last lookup
    Clock::time_point confirmed;  // when the file on disk was last found to be the one mapped
  };
  size_t capacity_;
  uint64_t max_blob_bytes_;
  Clock::duration recheck_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  uint64_t tick_ = 0;
};

}  // namespace aiotops::registry
