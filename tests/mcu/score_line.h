#pragma once
// The text both the MCU harness and the host generator print for each golden row, so that the
// two outputs can be compared byte for byte: "<row> <score bits as 8 hex digits>\n", and one
// "arena <bytes>\n" line per model. Freestanding (no I/O, no heap).

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace aiotops::mcu {

// Enough for either line with a 32-bit number.
inline constexpr size_t kLineCapacity = 32;

// Writes `value` in decimal at `out`; returns the character after it.
inline char* put_decimal(char* out, uint32_t value) {
  char digits[10];
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) *out++ = digits[--count];
  return out;
}

// "<row> <8 hex digits of the float's bits>\n" into `line` (kLineCapacity bytes), NUL-terminated.
inline void format_score_line(char* line, uint32_t row, float score) {
  uint32_t bits = 0;
  std::memcpy(&bits, &score, sizeof bits);
  char* out = put_decimal(line, row);
  *out++ = ' ';
  for (int shift = 28; shift >= 0; shift -= 4) *out++ = "0123456789abcdef"[(bits >> shift) & 0xF];
  *out++ = '\n';
  *out = '\0';
}

// "arena <bytes>\n" into `line` (kLineCapacity bytes), NUL-terminated.
inline void format_arena_line(char* line, uint32_t bytes) {
  std::memcpy(line, "arena ", 6);
  char* out = put_decimal(line + 6, bytes);
  *out++ = '\n';
  *out = '\0';
}

}  // namespace aiotops::mcu
