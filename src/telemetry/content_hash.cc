#include "telemetry/content_hash.h"

#include <charconv>

#include "common/sha256.h"

namespace aiotops::telemetry {
namespace {

// Writes the canonical form in pieces to `sink` (a callable taking std::string_view), through a
// buffer so that hashing a large dataset does not build the whole text.
template <typename Sink>
class CanonicalWriter {
 public:
  explicit CanonicalWriter(Sink& sink) : sink_(sink) { buffer_.reserve(kFlushBytes + 256); }
  ~CanonicalWriter() { flush(); }

  void text(std::string_view value) {
    for (char c : value) {
      switch (c) {
        case '\\':
          buffer_ += "\\\\";
          break;
        case '\t':
          buffer_ += "\\t";
          break;
        case '\n':
          buffer_ += "\\n";
          break;
        case '\r':
          buffer_ += "\\r";
          break;
        default:
          buffer_ += c;
      }
    }
    maybe_flush();
  }
  void raw(std::string_view value) {
    buffer_ += value;
    maybe_flush();
  }
  void number(double value) {
    if (value == 0) value = 0;  // -0 and 0 are the same value
    char digits[32];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    buffer_.append(digits, end);
  }
  void integer(int64_t value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    buffer_.append(digits, end);
  }
  void flush() {
    if (!buffer_.empty()) sink_(std::string_view(buffer_));
    buffer_.clear();
  }

 private:
  static constexpr size_t kFlushBytes = 1 << 16;
  void maybe_flush() {
    if (buffer_.size() >= kFlushBytes) flush();
  }

  Sink& sink_;
  std::string buffer_;
};

template <typename Sink>
void write_canonical(const Dataset& data, Sink& sink) {
  CanonicalWriter<Sink> out(sink);
  const bool has_device = !data.device_ids.empty();
  const bool has_timestamp = !data.timestamps_ms.empty();
  const bool has_label = data.has_labels();
  const bool has_fault_type = !data.fault_types.empty();
  out.raw(kCanonicalFormTag);
  out.raw("\nfeatures");
  for (const auto& name : data.feature_names) {
    out.raw("\t");
    out.text(name);
  }
  out.raw("\nlabel\t");
  out.text(data.label_name);
  out.raw("\ncolumns");
  if (has_device) out.raw("\tdevice_id");
  if (has_timestamp) out.raw("\ttimestamp_ms");
  if (has_label) out.raw("\tlabel");
  if (has_fault_type) out.raw("\tfault_type");
  out.raw("\nrows\t");
  out.integer(static_cast<int64_t>(data.rows()));
  out.raw("\n");
  for (size_t r = 0; r < data.rows(); ++r) {
    const char* separator = "";
    for (double value : data.row(r)) {
      out.raw(separator);
      out.number(value);
      separator = "\t";
    }
    if (has_device) {
      out.raw("\t");
      out.text(data.device_ids[r]);
    }
    if (has_timestamp) {
      out.raw("\t");
      out.integer(data.timestamps_ms[r]);
    }
    if (has_label) {
      out.raw("\t");
      out.number(data.labels[r]);
    }
    if (has_fault_type) {
      out.raw("\t");
      out.text(data.fault_types[r]);
    }
    out.raw("\n");
  }
}

}  // namespace

std::string dataset_content_hash(const Dataset& dataset) {
  Sha256 hasher;
  auto sink = [&hasher](std::string_view bytes) { hasher.update(bytes); };
  write_canonical(dataset, sink);
  return hasher.hex_digest();
}

std::string dataset_canonical_form(const Dataset& dataset) {
  std::string text;
  auto sink = [&text](std::string_view bytes) { text += bytes; };
  write_canonical(dataset, sink);
  return text;
}

}  // namespace aiotops::telemetry
