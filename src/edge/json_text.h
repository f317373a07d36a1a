#pragma once
// The pieces every outbound JSON message of the edge service is written from: escaped strings
// and round-trip numbers, appended to a caller-owned fmt::memory_buffer that is reused across
// messages, so writing allocates nothing once the buffer has grown to the largest message.

#include <cstdint>
#include <string_view>

#include <fmt/format.h>

namespace aiotops::edge {

// Appends `text` as a quoted JSON string: `"` and `\` escaped, control characters as \n, \t,
// \u00XX..., and every byte that is not part of valid UTF-8 replaced by \ufffd, so the output
// is valid JSON and valid UTF-8 whatever the input (device ids and topics come from the
// network). Never fails; thread-safe on distinct buffers.
void append_json_string(fmt::memory_buffer& out, std::string_view text);

// Appends the shortest decimal text that reads back as exactly `value` (e.g. 0.1, 412.5, 1e+300);
// NaN and infinities, which JSON cannot carry, become null. Never fails.
void append_json_number(fmt::memory_buffer& out, double value);

// Appends `,"key":` (no comma for the first member of an object), `key` escaped as by
// append_json_string.
void append_json_member(fmt::memory_buffer& out, std::string_view key, bool first = false);

// Appends raw text unchanged (punctuation between members).
inline void append_raw(fmt::memory_buffer& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

// Appends a decimal integer.
inline void append_json_integer(fmt::memory_buffer& out, int64_t value) {
  fmt::format_to(fmt::appender(out), "{}", value);
}

}  // namespace aiotops::edge
