#include "edge/telemetry_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "telemetry/log_file_name.h"
#include "telemetry/reading_writer.h"

namespace aiotops::edge {
namespace {

// write(2) of all of `bytes`; false with errno set on failure.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<TelemetryLog>> TelemetryLog::start(TelemetryLogOptions options,
                                                          MetricsRegistry& metrics) {
  if (options.dir.empty()) return fail(ErrorCode::kInvalidArgument, "telemetry log: no directory");
  if (options.precision < 0 || options.precision > 9) {
    return fail(ErrorCode::kInvalidArgument, "telemetry log: precision {}: expected 0 to 9",
                options.precision);
  }
  if (options.flush_interval.count() <= 0 || options.buffer_bytes == 0) {
    return fail(ErrorCode::kInvalidArgument,
                "telemetry log: the flush interval and buffer size must be positive");
  }
  if (options.retention.count() < 0) {
    return fail(ErrorCode::kInvalidArgument, "telemetry log: retention {} h: expected >= 0",
                options.retention.count());
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec || !std::filesystem::is_directory(options.dir)) {
    return fail(ErrorCode::kIo, "telemetry log {}: cannot create the directory: {}",
                options.dir.string(), ec ? ec.message() : "not a directory");
  }
  std::unique_ptr<TelemetryLog> log(new TelemetryLog(std::move(options)));
  const struct {
    Counter** slot;
    std::string_view name;
    std::string_view help;
  } counters[] = {
      {&log->written_, "aiotops_edge_telemetry_log_lines_total",
       "Readings written to the telemetry log"},
      {&log->dropped_, "aiotops_edge_telemetry_log_dropped_total",
       "Readings the telemetry log lost: writer behind, or a failed write"},
      {&log->write_errors_, "aiotops_edge_telemetry_log_write_errors_total",
       "Failed writes (or file opens) of the telemetry log; their lines are lost"},
      {&log->removed_, "aiotops_edge_telemetry_log_files_removed_total",
       "Telemetry log files deleted for being older than the retention"},
  };
  for (const auto& c : counters) {
    auto counter = metrics.counter(c.name, c.help);
    if (!counter) return fail(counter.error());
    *c.slot = *counter;
  }
  // A line is at most a message's worth of fields; the slack keeps a near-full buffer from
  // growing when the last line goes in.
  const size_t capacity = log->options_.buffer_bytes + 64 * 1024;
  log->front_.bytes.reserve(capacity);
  log->back_.bytes.reserve(capacity);
  log->writer_ = std::thread([raw = log.get()] { raw->run_writer(); });
  return log;
}

TelemetryLog::~TelemetryLog() { stop(); }

void TelemetryLog::append(const telemetry::Reading& reading,
                          std::span<const std::string> feature_names, int64_t received_ms,
                          std::string& line) {
  telemetry::ReadingFormatOptions format;
  format.precision = options_.precision;
  if (!telemetry::format_reading_json(reading, feature_names, format, line)) {
    dropped_->inc();
    return;
  }
  if (!reading.timestamp_ms) {
    // The receipt time stands in for a timestamp the message did not carry: it goes right
    // after the device id, where the writer puts a timestamp.
    const size_t comma = line.find(",\"");
    const size_t at = reading.device_id.empty() || comma == std::string::npos ? 1 : comma + 1;
    char stamp[48];
    const auto stamp_end = fmt::format_to_n(stamp, sizeof stamp, "\"{}\":{},",
                                            telemetry::kTimestampColumn, received_ms);
    line.insert(at, stamp, stamp_end.size);
  }
  const int64_t hour = telemetry::hour_of(received_ms);
  std::unique_lock lock(mutex_);
  if (stopping_) {
    dropped_->inc();
    return;
  }
  const bool other_hour = front_.lines > 0 && front_.hour != hour;
  const bool full = front_.lines > 0 && front_.bytes.size() + line.size() >= options_.buffer_bytes;
  if (other_hour || full) {
    if (back_busy_ && other_hour) {
      // Once an hour: the file must change, so wait for the writer rather than lose lines.
      back_free_.wait(lock, [this] { return !back_busy_ || stopping_; });
    }
    if (back_busy_ || stopping_) {
      dropped_->inc();
      return;
    }
    hand_over_locked();
  }
  if (front_.lines == 0) front_.hour = hour;
  front_.bytes.append(line);
  front_.bytes.push_back('\n');
  ++front_.lines;
  ++appended_;
}

void TelemetryLog::hand_over_locked() {
  std::swap(front_, back_);
  front_.bytes.clear();
  front_.lines = 0;
  back_busy_ = true;
  writer_wake_.notify_one();
}

void TelemetryLog::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = appended_;
  flush_requested_ = true;
  writer_wake_.notify_one();
  back_free_.wait(lock, [&] { return finished_ >= target || writer_exited_; });
}

void TelemetryLog::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  writer_wake_.notify_one();
  back_free_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void TelemetryLog::run_writer() {
  std::unique_lock lock(mutex_);
  for (;;) {
    writer_wake_.wait_for(lock, options_.flush_interval,
                          [this] { return back_busy_ || flush_requested_ || stopping_; });
    flush_requested_ = false;
    // Every interval (and on a flush or stop) what is buffered goes out too.
    if (!back_busy_ && front_.lines > 0) hand_over_locked();
    if (back_busy_) {
      lock.unlock();
      write_back();
      lock.lock();
      finished_ += back_.lines;
      back_.bytes.clear();
      back_.lines = 0;
      back_busy_ = false;
      back_free_.notify_all();
      continue;  // the front may have filled meanwhile
    }
    if (stopping_) break;
  }
  writer_exited_ = true;
  back_free_.notify_all();
}

bool TelemetryLog::open_hour(int64_t hour) {
  if (fd_ >= 0 && fd_hour_ == hour) return true;
  if (fd_ >= 0) ::close(fd_);
  if (hour > newest_hour_) {
    newest_hour_ = hour;
    remove_expired(hour);
  }
  const std::filesystem::path path = options_.dir / telemetry::log_file_name(hour);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  fd_hour_ = hour;
  return fd_ >= 0;
}

void TelemetryLog::remove_expired(int64_t newest_hour) {
  const int64_t keep = options_.retention.count();
  if (keep <= 0) return;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir, ec)) {
    const auto hour = telemetry::parse_log_file_name(entry.path().filename().string());
    if (!hour || *hour > newest_hour - keep) continue;
    std::error_code removed;
    if (std::filesystem::remove(entry.path(), removed)) {
      removed_->inc();
    } else if (removed) {
      spdlog::warn("telemetry log: cannot delete expired {}: {}", entry.path().string(),
                   removed.message());
    }
  }
  if (ec) spdlog::warn("telemetry log {}: cannot list: {}", options_.dir.string(), ec.message());
}

void TelemetryLog::write_back() {
  if (open_hour(back_.hour) && write_all(fd_, back_.bytes)) {
    written_->inc(back_.lines);
    if (failing_) spdlog::info("telemetry log {}: writing again", options_.dir.string());
    failing_ = false;
    return;
  }
  const int error = errno;
  write_errors_->inc();
  dropped_->inc(back_.lines);
  if (!failing_) {
    spdlog::warn(
        "telemetry log {}: {} lost: {} (counted in "
        "aiotops_edge_telemetry_log_write_errors_total; the service goes on)",
        (options_.dir / telemetry::log_file_name(back_.hour)).string(), back_.lines,
        std::strerror(error));
  }
  failing_ = true;
  // Reopened on the next write: the directory may come back, the disk may free up.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace aiotops::edge
