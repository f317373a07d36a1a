#pragma once
// The edge service's telemetry log: every accepted reading as one JSON line in
// DIR/telemetry-YYYYMMDDTHH.jsonl (UTC hour of receipt; docs/formats/telemetry.md), the raw
// material of `aiotops extract`. Workers format a line into their own reused buffer and append
// it to a shared in-memory buffer under a short lock; a dedicated writer thread hands full
// buffers, and at least every flush_interval whatever is buffered, to write(2). Two buffers are
// allocated up front, so appending allocates nothing. Disk trouble never stops the service: a
// failed write is logged and counted and its lines are lost, and a writer that falls a whole
// buffer behind makes appends drop lines (counted) rather than wait. Files of hours older than
// the retention (counted back from the newest hour written) are deleted when the writer opens a
// new hour's file, so a gateway's disk does not fill up.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "common/error.h"
#include "edge/metrics.h"
#include "edge/metrics_registry.h"
#include "telemetry/dataset.h"

namespace aiotops::edge {

struct TelemetryLogOptions {
  std::filesystem::path dir;  // where the hour files go (created if missing); empty: no log
  std::chrono::milliseconds flush_interval{1000};  // longest a line waits for write(2)
  size_t buffer_bytes = 1 << 20;  // bytes per buffer (there are two); a full one is written at once
  int precision = 6;              // decimals of feature values, 0..9
  // Hours of files kept, counting the hour being written; older hour files are deleted. 0 keeps
  // every file.
  std::chrono::hours retention{7 * 24};
};

class TelemetryLog {
 public:
  // Creates the directory, registers the log's counters in `metrics` (lines written, lines
  // dropped, write errors) and starts the writer thread. kInvalidArgument for bad options,
  // kIo when the directory cannot be created, a registration error as the registry reports it.
  static Result<std::unique_ptr<TelemetryLog>> start(TelemetryLogOptions options,
                                                     MetricsRegistry& metrics);
  // stop().
  ~TelemetryLog();
  TelemetryLog(const TelemetryLog&) = delete;
  TelemetryLog& operator=(const TelemetryLog&) = delete;

  // Appends `reading` (values in `feature_names` order; its timestamp, or `received_ms` when it
  // has none) to the file of received_ms's UTC hour. `line` is the caller's scratch buffer:
  // once it and the log's buffers are warm this allocates nothing. A reading that cannot be
  // formatted (an infinite value, a count mismatch) is counted as dropped. Thread-safe.
  void append(const telemetry::Reading& reading, std::span<const std::string> feature_names,
              int64_t received_ms, std::string& line);
  // Returns once every line appended before the call has been written (or counted lost).
  // Thread-safe.
  void flush();
  // Writes what is buffered, closes the file and ends the writer thread; later appends are
  // dropped. Idempotent; thread-safe.
  void stop();

  uint64_t lines_written() const { return written_->value(); }
  uint64_t lines_dropped() const { return dropped_->value(); }
  uint64_t write_errors() const { return write_errors_->value(); }
  uint64_t files_removed() const { return removed_->value(); }

 private:
  struct Buffer {
    std::string bytes;
    int64_t hour = 0;  // the UTC hour of receipt of every line in it
    uint64_t lines = 0;
  };

  explicit TelemetryLog(TelemetryLogOptions options) : options_(std::move(options)) {}
  void run_writer();
  // Hands front_ to the writer; requires the lock and back_ free.
  void hand_over_locked();
  // Writes back_ to its hour's file; called by the writer without the lock.
  void write_back();
  bool open_hour(int64_t hour);
  // Deletes the hour files older than the retention allows next to `newest_hour`'s.
  void remove_expired(int64_t newest_hour);

  TelemetryLogOptions options_;
  Counter* written_ = nullptr;
  Counter* dropped_ = nullptr;
  Counter* write_errors_ = nullptr;
  Counter* removed_ = nullptr;

  std::mutex mutex_;
  std::condition_variable writer_wake_;  // a full buffer, a flush, or stop
  std::condition_variable back_free_;    // the writer finished a buffer
  Buffer front_;                         // being appended to; guarded by mutex_
  Buffer back_;                          // being written; owned by the writer while back_busy_
  bool back_busy_ = false;               // guarded by mutex_
  bool flush_requested_ = false;         // guarded by mutex_
  bool stopping_ = false;                // guarded by mutex_
  bool writer_exited_ = false;           // guarded by mutex_
  uint64_t appended_ = 0;                // lines put into a buffer; guarded by mutex_
  uint64_t finished_ = 0;                // of those, written or lost; guarded by mutex_
  std::thread writer_;

  // The writer thread's open file.
  int fd_ = -1;
  int64_t fd_hour_ = 0;
  int64_t newest_hour_ = INT64_MIN;  // the latest hour a file was opened for
  bool failing_ = false;             // the last write failed (logged once per failure streak)
};

}  // namespace aiotops::edge
