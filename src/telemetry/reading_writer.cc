#include "telemetry/reading_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <iterator>

namespace aiotops::telemetry {
namespace {

constexpr int kMaxPrecision = 9;
constexpr std::array<int64_t, kMaxPrecision + 1> kPow10{
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000};
// Below this magnitude a scaled value is an exact integer in a double and fits int64_t.
constexpr double kFixedPointLimit = 9.0e15;
constexpr size_t kFlushBytes = 1 << 16;

void append_integer(std::string& out, int64_t value) {
  std::array<char, 24> digits;
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), end);
}

// Fixed-point text with `precision` decimals, rounded half away from zero; never "-0.00".
void append_fixed(std::string& out, double value, int precision) {
  double scaled = value * static_cast<double>(kPow10[precision]);
  if (!(std::fabs(scaled) < kFixedPointLimit)) {
    fmt::format_to(std::back_inserter(out), "{:.{}f}", value, precision);
    return;
  }
  int64_t units = std::llround(scaled);
  if (units < 0) {
    out.push_back('-');
    units = -units;
  }
  append_integer(out, units / kPow10[precision]);
  if (precision == 0) return;
  out.push_back('.');
  int64_t fraction = units % kPow10[precision];
  std::array<char, kMaxPrecision> digits;
  for (int i = precision - 1; i >= 0; --i) {
    digits[static_cast<size_t>(i)] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  out.append(digits.data(), static_cast<size_t>(precision));
}

void append_label(std::string& out, double label, int precision) {
  if (label == std::trunc(label) && std::fabs(label) < kFixedPointLimit) {
    append_integer(out, static_cast<int64_t>(label));
  } else {
    append_fixed(out, label, precision);
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

Status check_precision(int precision) {
  if (precision < 0 || precision > kMaxPrecision) {
    return fail(ErrorCode::kInvalidArgument, "precision {} is outside 0..{}", precision,
                kMaxPrecision);
  }
  return {};
}

Status check_reading(const Reading& reading, std::span<const std::string> feature_names) {
  if (reading.values.size() != feature_names.size()) {
    return fail(ErrorCode::kInvalidArgument, "device '{}': reading has {} values, expected {}",
                reading.device_id, reading.values.size(), feature_names.size());
  }
  for (size_t i = 0; i < reading.values.size(); ++i) {
    if (std::isinf(reading.values[i])) {
      return fail(ErrorCode::kInvalidArgument, "device '{}': feature '{}' is infinite",
                  reading.device_id, feature_names[i]);
    }
  }
  if (reading.label && !std::isfinite(*reading.label)) {
    return fail(ErrorCode::kInvalidArgument, "device '{}': label is not finite", reading.device_id);
  }
  return {};
}

void append_csv_header(std::string& out, std::span<const std::string> feature_names, bool labels) {
  out.append(kDeviceIdColumn);
  out.push_back(',');
  out.append(kTimestampColumn);
  for (const std::string& name : feature_names) {
    out.push_back(',');
    append_csv_field(out, name);
  }
  if (labels) {
    out.push_back(',');
    out.append(kLabelColumn);
    out.push_back(',');
    out.append(kFaultTypeColumn);
  }
  out.push_back('\n');
}

void append_csv_row(std::string& out, const Reading& reading, const ReadingFormatOptions& options) {
  append_csv_field(out, reading.device_id);
  out.push_back(',');
  if (reading.timestamp_ms) append_integer(out, *reading.timestamp_ms);
  for (double value : reading.values) {
    out.push_back(',');
    if (!std::isnan(value)) append_fixed(out, value, options.precision);
  }
  if (options.labels) {
    out.push_back(',');
    if (reading.label) append_label(out, *reading.label, options.precision);
    out.push_back(',');
    append_csv_field(out, reading.fault_type);
  }
  out.push_back('\n');
}

void append_json(std::string& out, const Reading& reading,
                 std::span<const std::string> feature_names, const ReadingFormatOptions& options) {
  out.push_back('{');
  bool first = true;
  auto key = [&out, &first](std::string_view name) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
    out.push_back(':');
  };
  if (!reading.device_id.empty()) {
    key(kDeviceIdColumn);
    append_json_string(out, reading.device_id);
  }
  if (reading.timestamp_ms) {
    key(kTimestampColumn);
    append_integer(out, *reading.timestamp_ms);
  }
  for (size_t i = 0; i < feature_names.size(); ++i) {
    if (std::isnan(reading.values[i])) continue;
    key(feature_names[i]);
    append_fixed(out, reading.values[i], options.precision);
  }
  if (options.fft_data_flag) {
    key("fft_data");
    out.append("\"true\"");
  }
  if (options.labels && reading.label) {
    key(kLabelColumn);
    append_label(out, *reading.label, options.precision);
  }
  if (options.labels && !reading.fault_type.empty()) {
    key(kFaultTypeColumn);
    append_json_string(out, reading.fault_type);
  }
  out.push_back('}');
}

}  // namespace

Result<ReadingFormat> parse_reading_format(std::string_view text) {
  if (text == "csv") return ReadingFormat::kCsv;
  if (text == "jsonl") return ReadingFormat::kJsonLines;
  return fail(ErrorCode::kInvalidArgument, "format '{}': expected csv or jsonl", text);
}

std::string_view to_string(ReadingFormat format) {
  return format == ReadingFormat::kCsv ? "csv" : "jsonl";
}

Status format_reading_json(const Reading& reading, std::span<const std::string> feature_names,
                           const ReadingFormatOptions& options, std::string& out) {
  if (auto status = check_precision(options.precision); !status) return status;
  if (auto status = check_reading(reading, feature_names); !status) return status;
  out.clear();
  append_json(out, reading, feature_names, options);
  return {};
}

Result<ReadingWriter> ReadingWriter::open(const std::filesystem::path& path,
                                          std::vector<std::string> feature_names,
                                          ReadingFormat format,
                                          const ReadingFormatOptions& options) {
  if (feature_names.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: no feature columns to write", path.string());
  }
  if (auto status = check_precision(options.precision); !status) {
    return fail(status.error().with_context(path.string()));
  }
  auto file = AtomicFileWriter::open(path);
  if (!file) return fail(file.error());
  return ReadingWriter(std::move(*file), std::move(feature_names), format, options);
}

ReadingWriter::ReadingWriter(AtomicFileWriter file, std::vector<std::string> feature_names,
                             ReadingFormat format, const ReadingFormatOptions& options)
    : file_(std::move(file)),
      feature_names_(std::move(feature_names)),
      format_(format),
      options_(options) {
  buffer_.reserve(kFlushBytes + 1024);
  if (format_ == ReadingFormat::kCsv) append_csv_header(buffer_, feature_names_, options_.labels);
}

Status ReadingWriter::write(const Reading& reading) {
  if (auto status = check_reading(reading, feature_names_); !status) return status;
  if (format_ == ReadingFormat::kCsv) {
    append_csv_row(buffer_, reading, options_);
  } else {
    append_json(buffer_, reading, feature_names_, options_);
    buffer_.push_back('\n');
  }
  ++rows_;
  return flush_if_full();
}

Status ReadingWriter::flush_if_full() {
  if (buffer_.size() < kFlushBytes) return {};
  auto status = file_.write(buffer_);
  buffer_.clear();
  return status;
}

Status ReadingWriter::commit() {
  if (auto status = file_.write(buffer_); !status) return status;
  buffer_.clear();
  return file_.commit();
}

}  // namespace aiotops::telemetry
