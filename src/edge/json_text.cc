#include "edge/json_text.h"

#include <cmath>

namespace aiotops::edge {
namespace {

// The length of the valid UTF-8 sequence starting at text[i] (1 to 4), or 0 when the bytes
// there are not one: stray continuation bytes, overlong forms, surrogates, beyond U+10FFFF.
size_t utf8_sequence_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

void append_json_string(fmt::memory_buffer& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  auto plain = [](unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; };
  while (i < text.size()) {
    // Runs of printable ASCII, the common case, are copied in one go.
    size_t run = i;
    while (run < text.size() && plain(static_cast<unsigned char>(text[run]))) ++run;
    out.append(text.data() + i, text.data() + run);
    if (run == text.size()) break;
    i = run;
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        append_raw(out, "\\\"");
        break;
      case '\\':
        append_raw(out, "\\\\");
        break;
      case '\n':
        append_raw(out, "\\n");
        break;
      case '\r':
        append_raw(out, "\\r");
        break;
      case '\t':
        append_raw(out, "\\t");
        break;
      default:
        if (c < 0x20) {
          const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out.append(escaped, escaped + sizeof escaped);
        } else if (size_t length = utf8_sequence_length(text, i); length > 0) {
          out.append(text.data() + i, text.data() + i + length);
          i += length;
          continue;
        } else {
          append_raw(out, "\\ufffd");
        }
    }
    ++i;
  }
  out.push_back('"');
}

void append_json_number(fmt::memory_buffer& out, double value) {
  if (!std::isfinite(value)) {
    append_raw(out, "null");
    return;
  }
  // fmt's "{}" is the shortest representation that round-trips (Dragonbox).
  fmt::format_to(fmt::appender(out), "{}", value);
}

void append_json_member(fmt::memory_buffer& out, std::string_view key, bool first) {
  if (!first) out.push_back(',');
  append_json_string(out, key);
  out.push_back(':');
}

}  // namespace aiotops::edge
