#include "registry/http_range.h"

#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace aiotops::registry {
namespace {

// A run of decimal digits and nothing else; nullopt for empty text, a sign or an overflow.
std::optional<uint64_t> parse_digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

ByteRange resolve_range(std::string_view header, uint64_t size) {
  constexpr std::string_view kUnit = "bytes=";
  header = trim(header);
  if (!header.starts_with(kUnit)) return {};
  const std::string_view spec = trim(header.substr(kUnit.size()));
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return {};
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));
  const ByteRange unsatisfiable{ByteRange::Kind::kUnsatisfiable, 0, 0};
  if (first_text.empty()) {  // suffix range: the last N bytes
    const auto suffix = parse_digits(last_text);
    if (!suffix) return {};
    if (*suffix == 0 || size == 0) return unsatisfiable;
    const uint64_t length = *suffix < size ? *suffix : size;
    return {ByteRange::Kind::kPartial, size - length, length};
  }
  const auto first = parse_digits(first_text);
  if (!first) return {};
  uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto parsed = parse_digits(last_text);
    if (!parsed || *parsed < *first) return {};  // invalid: ignored, the whole body is served
    if (*parsed < last) last = *parsed;
  }
  if (*first >= size) return unsatisfiable;
  return {ByteRange::Kind::kPartial, *first, last - *first + 1};
}

std::string content_range(const ByteRange& range, uint64_t size) {
  if (range.kind == ByteRange::Kind::kPartial) {
    return fmt::format("bytes {}-{}/{}", range.offset, range.offset + range.length - 1, size);
  }
  return fmt::format("bytes */{}", size);
}

}  // namespace aiotops::registry
