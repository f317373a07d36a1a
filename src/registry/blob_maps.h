#pragma once
// Read-only mappings of downloaded blobs, kept between requests. Mapping a blob per download
// and unmapping it afterwards cost the server as much CPU as sending it (the process's mmap lock
// taken for writing, page tables filled, a TLB shootdown on every unmap), and serialized its
// request threads; a fleet downloads the same few models, so their mappings are worth keeping.
// Blobs are never rewritten in place: a blob replaced on disk (another inode) is mapped anew.
// An unlinked blob keeps its disk space while its mapping is kept.

#include <sys/types.h>

#include <cstdint>
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
  // Whether `file` is the file this maps (same device, inode and size).
  bool maps(const BlobFile& file) const;

 private:
  MappedBlob(const char* data, size_t size, dev_t device, ino_t inode)
      : data_(data), size_(size), device_(device), inode_(inode) {}
  const char* data_;
  size_t size_;
  dev_t device_;
  ino_t inode_;
};

class BlobMaps {
 public:
  // Keeps at most `capacity` mappings (each at most `max_blob_bytes`; larger blobs are mapped
  // per download and not kept), the least recently used dropped first.
  explicit BlobMaps(size_t capacity = 64, uint64_t max_blob_bytes = uint64_t{256} << 20)
      : capacity_(capacity), max_blob_bytes_(max_blob_bytes) {}

  // A mapping of the open blob `file` named `sha256`: the kept one while it maps that file,
  // else a new one. Null when the file cannot be mapped (the caller reads it instead).
  // Thread-safe; the mapping stays valid for as long as the caller holds it.
  std::shared_ptr<const MappedBlob> map(const std::string& sha256, const BlobFile& file);

 private:
  struct Entry {
    std::shared_ptr<const MappedBlob> blob;
    uint64_t used = 0;  // tick of the last lookup
  };
  size_t capacity_;
  uint64_t max_blob_bytes_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  uint64_t tick_ = 0;
};

}  // namespace aiotops::registry
