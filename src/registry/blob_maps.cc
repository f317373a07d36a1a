#include "registry/blob_maps.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>

namespace aiotops::registry {

std::shared_ptr<const MappedBlob> MappedBlob::map(const BlobFile& file) {
  struct stat st {};
  if (fstat(file.fd(), &st) != 0 || st.st_size <= 0) return nullptr;
  const size_t size = static_cast<size_t>(st.st_size);
  // MAP_POPULATE faults the whole blob in with one call instead of a fault per page later.
  void* data = mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, file.fd(), 0);
  if (data == MAP_FAILED) return nullptr;
  return std::shared_ptr<const MappedBlob>(
      new MappedBlob(static_cast<const char*>(data), size, st.st_dev, st.st_ino, file.path()));
}

MappedBlob::~MappedBlob() { munmap(const_cast<char*>(data_), size_); }

bool MappedBlob::still_on_disk() const {
  struct stat st {};
  return ::stat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_ &&
         static_cast<size_t>(st.st_size) == size_;
}

std::shared_ptr<const MappedBlob> BlobMaps::find(const std::string& sha256) {
  std::shared_ptr<const MappedBlob> blob;
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(sha256);
    if (it == entries_.end()) return nullptr;
    it->second.used = ++tick_;
    if (now - it->second.confirmed < recheck_) return it->second.blob;
    blob = it->second.blob;
  }
  // Confirmed outside the lock: a slow disk must not hold up the other downloads.
  const bool current = blob->still_on_disk();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(sha256);
  if (it == entries_.end() || it->second.blob != blob) return current ? blob : nullptr;
  if (!current) {
    entries_.erase(it);
    return nullptr;
  }
  it->second.confirmed = now;
  return blob;
}

std::shared_ptr<const MappedBlob> BlobMaps::map(const std::string& sha256, const BlobFile& file) {
  // Mapped outside the lock: a first download of a large blob must not hold up the others.
  std::shared_ptr<const MappedBlob> blob = MappedBlob::map(file);
  if (!blob || blob->bytes().size() > max_blob_bytes_ || capacity_ == 0) return blob;
  std::lock_guard lock(mutex_);
  if (!entries_.contains(sha256) && entries_.size() >= capacity_) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    entries_.erase(oldest);
  }
  entries_.insert_or_assign(sha256, Entry{blob, ++tick_, Clock::now()});
  return blob;
}

}  // namespace aiotops::registry
