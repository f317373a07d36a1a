#include "edge/file_watch.h"

#include <sys/stat.h>

#include <utility>

#include "common/sha256.h"

namespace aiotops::edge {

std::optional<FileWatch::Signature> FileWatch::stat_file() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return std::nullopt;
  return Signature{static_cast<uint64_t>(info.st_dev), static_cast<uint64_t>(info.st_ino),
                   static_cast<int64_t>(info.st_size),
                   static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 +
                       static_cast<int64_t>(info.st_mtim.tv_nsec)};
}

Result<std::optional<ModelBytes>> FileWatch::poll() {
  const std::optional<Signature> seen = stat_file();
  const bool settled = seen && seen == last_seen_;
  last_seen_ = seen;
  if (!settled || seen == last_read_) return std::nullopt;
  last_read_ = seen;
  auto bytes = read_model_file(path_, max_file_bytes_);
  if (!bytes) return fail(bytes.error());
  if (stat_file() != seen) {
    // Rewritten while we read: wait for it to settle again.
    last_read_.reset();
    last_seen_.reset();
    return std::nullopt;
  }
  std::string sha256 = sha256_hex(*bytes);
  if (sha256 == known_sha256_) return std::nullopt;
  known_sha256_ = std::move(sha256);
  return ModelBytes{std::move(*bytes), path_.string()};
}

Result<std::unique_ptr<FileWatcher>> FileWatcher::start(FileWatch watch, FileWatcherOptions options,
                                                        ChangeHandler on_change,
                                                        ErrorHandler on_error) {
  if (options.interval.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "watch interval of {} ms (must be > 0)",
                options.interval.count());
  }
  if (!on_change || !on_error) {
    return fail(ErrorCode::kInvalidArgument, "file watcher without a change or error handler");
  }
  std::unique_ptr<FileWatcher> watcher(
      new FileWatcher(std::move(watch), options, std::move(on_change), std::move(on_error)));
  watcher->thread_ = std::jthread([w = watcher.get()](std::stop_token stop) { w->run(stop); });
  return watcher;
}

FileWatcher::~FileWatcher() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

uint64_t FileWatcher::polls() const {
  std::lock_guard lock(mutex_);
  return polls_;
}

void FileWatcher::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto change = watch_.poll();
    if (!change) {
      on_error_(change.error());
    } else if (change->has_value()) {
      on_change_(std::move(**change));
    }
    std::unique_lock lock(mutex_);
    ++polls_;
    wake_.wait_for(lock, stop, options_.interval, [] { return false; });
  }
}

}  // namespace aiotops::edge
