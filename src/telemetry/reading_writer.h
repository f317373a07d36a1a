#pragma once
// Writes readings as a CSV dataset or as JSON lines in the reference message format, and formats
// single reference JSON messages (for publishers). A NaN in Reading::values marks a field the
// reading does not carry (sensor dropout): an empty CSV field, an omitted JSON key.
//
// CSV:   deviceID,timeStamp,<features...>[,label,fault_type]      (header row, RFC 4180 quoting)
// JSON:  {"deviceID":"motor-1","timeStamp":1700000000000,"current":412.50,...,"label":0,
//         "fault_type":"none"}                                      (one object per line)
// Numbers are fixed-point with `precision` decimals, rounded half away from zero (412.5 with
// precision 2 is "412.50", as the reference firmware prints it); integral labels print as
// integers.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/files.h"
#include "telemetry/dataset.h"

namespace aiotops::telemetry {

enum class ReadingFormat { kCsv, kJsonLines };

// "csv" or "jsonl". Fails with kInvalidArgument naming the text otherwise.
Result<ReadingFormat> parse_reading_format(std::string_view text);
std::string_view to_string(ReadingFormat format);

struct ReadingFormatOptions {
  int precision = 2;           // decimals of feature values and non-integral labels, 0..9
  bool labels = true;          // CSV: label and fault_type columns; JSON: their keys when set
  bool fft_data_flag = false;  // JSON: add "fft_data":"true" after the features, as the
                               // reference firmware does when it sends FFT peaks
};

// Replaces `out` with the reading as one reference JSON message (no newline). Keys: deviceID
// (when non-empty), timeStamp (when set), each present feature, fft_data (when asked), label
// (when set and options.labels), fault_type (when non-empty and options.labels). `out`'s
// capacity is reused, so a warm string makes this allocation-free. Fails with kInvalidArgument
// when the value count differs from feature_names, a value is infinite or the precision is out
// of range. Thread-safe for distinct `out`.
Status format_reading_json(const Reading& reading, std::span<const std::string> feature_names,
                           const ReadingFormatOptions& options, std::string& out);

// Streams readings to a file that appears atomically on commit(); destroyed without a commit,
// it leaves the target untouched. Not thread-safe; one writer per object.
class ReadingWriter {
 public:
  // Creates the temp file (and, for CSV, buffers the header). Fails with kInvalidArgument for
  // an empty feature list or a precision outside 0..9, kIo when the file cannot be created.
  static Result<ReadingWriter> open(const std::filesystem::path& path,
                                    std::vector<std::string> feature_names, ReadingFormat format,
                                    const ReadingFormatOptions& options = {});

  // Appends one row. Fails with kInvalidArgument (wrong value count, infinite value; nothing of
  // the row is written) or kIo.
  Status write(const Reading& reading);
  // Flushes and publishes the file (see AtomicFileWriter::commit).
  Status commit();
  uint64_t rows() const { return rows_; }

 private:
  ReadingWriter(AtomicFileWriter file, std::vector<std::string> feature_names, ReadingFormat format,
                const ReadingFormatOptions& options);
  Status flush_if_full();

  AtomicFileWriter file_;
  std::vector<std::string> feature_names_;
  ReadingFormat format_;
  ReadingFormatOptions options_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

}  // namespace aiotops::telemetry
