#pragma once
// Live model swap by file change: a FileWatch looks at one model file when polled and reports
// its bytes once the file has changed and settled; a FileWatcher polls one on its own thread at
// an interval and hands each change to a callback (which loads it into the ModelSlot).
//
// A change is reported when the file exists, its identity (device, inode), size and
// modification time are the same as at the previous poll (so a file still being written is
// left until the writer has been quiet for one interval), and its content's SHA-256 differs
// from the last reported or known one (so a touch, or a copy of the same model, is not a
// change). The bytes reported are the bytes hashed: there is no second read to race with.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/error.h"
#include "edge/model_source.h"

namespace aiotops::edge {

// Not thread-safe: one poller.
class FileWatch {
 public:
  // `known_sha256`: the content already serving (never reported); empty to report the first
  // settled content. Files larger than `max_file_bytes` are refused unread.
  FileWatch(std::filesystem::path path, std::string known_sha256,
            size_t max_file_bytes = size_t{64} << 20)
      : path_(std::move(path)),
        known_sha256_(std::move(known_sha256)),
        max_file_bytes_(max_file_bytes) {}

  // Looks at the file once: its bytes when it changed and settled (see above), else
  // std::nullopt (also while the file is missing). A read failure (kIo, kResourceExhausted
  // naming the path) is returned once per version of the file; later polls go on watching.
  Result<std::optional<ModelBytes>> poll();

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Signature {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Signature&) const = default;
  };
  std::optional<Signature> stat_file() const;

  std::filesystem::path path_;
  std::string known_sha256_;  // the content last reported (or known at start)
  size_t max_file_bytes_;
  std::optional<Signature> last_seen_;  // at the previous poll
  std::optional<Signature> last_read_;  // of the version last read (reported or not)
};

struct FileWatcherOptions {
  std::chrono::milliseconds interval{2000};  // between polls; > 0
};

// Polls a FileWatch on its own thread. The callbacks run on that thread, one at a time: slow
// ones (a model load) delay the next poll, nothing else. Stops and joins on destruction.
class FileWatcher {
 public:
  using ChangeHandler = std::function<void(ModelBytes)>;
  using ErrorHandler = std::function<void(const Error&)>;

  // Starts polling at once. kInvalidArgument for a non-positive interval or empty handlers.
  static Result<std::unique_ptr<FileWatcher>> start(FileWatch watch, FileWatcherOptions options,
                                                    ChangeHandler on_change, ErrorHandler on_error);
  ~FileWatcher();

  // Polls done so far. Thread-safe.
  uint64_t polls() const;

 private:
  FileWatcher(FileWatch watch, FileWatcherOptions options, ChangeHandler on_change,
              ErrorHandler on_error)
      : watch_(std::move(watch)),
        options_(options),
        on_change_(std::move(on_change)),
        on_error_(std::move(on_error)) {}
  void run(std::stop_token stop);

  FileWatch watch_;
  FileWatcherOptions options_;
  ChangeHandler on_change_;
  ErrorHandler on_error_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;  // stop requests interrupt the wait between polls
  uint64_t polls_ = 0;                // guarded by mutex_
  std::jthread thread_;               // last: starts after every other member exists
};

}  // namespace aiotops::edge
