#include "edge/topics.h"

#include <simdjson.h>

namespace aiotops::edge {
namespace {

// True for a byte that starts a character (not a UTF-8 continuation byte).
bool starts_character(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

// The length of the valid UTF-8 character at text[i] that may stand in a topic level as is,
// or 0 when the byte must be percent-encoded.
size_t plain_character_length(std::string_view text, size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    bool special = c < 0x20 || c == 0x7F || c == '+' || c == '#' || c == '/' || c == '%';
    return special ? 0 : 1;
  }
  size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (text.size() - i < length || !simdjson::validate_utf8(text.data() + i, length)) return 0;
  // C1 controls U+0080..U+009F are C2 80..C2 9F.
  if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) return 0;
  return length;
}

void write_topic(std::string& out, std::string_view prefix, std::string_view device_id) {
  out.clear();
  out.append(prefix);
  append_device_level(out, device_id);
}

}  // namespace

void append_device_level(std::string& out, std::string_view device_id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (device_id.empty()) {
    out.push_back('%');
    return;
  }
  size_t written = 0;
  size_t i = 0;
  while (i < device_id.size()) {
    size_t length = plain_character_length(device_id, i);
    size_t width = length == 0 ? 3 : length;
    if (written + width > kMaxDeviceLevelBytes) return;
    if (length == 0) {
      unsigned char c = static_cast<unsigned char>(device_id[i]);
      const char encoded[] = {'%', kHex[c >> 4], kHex[c & 0xF]};
      out.append(encoded, sizeof encoded);
      length = 1;
    } else {
      out.append(device_id.substr(i, length));
    }
    written += width;
    i += length;
  }
}

void inference_topic(std::string& out, std::string_view device_id) {
  write_topic(out, kInferenceTopicPrefix, device_id);
}

void alert_topic(std::string& out, std::string_view device_id) {
  write_topic(out, kAlertTopicPrefix, device_id);
}

void dead_letter_topic(std::string& out, std::string_view topic) {
  size_t keep = std::min(topic.size(), kMaxTopicBytes - kDeadLetterSuffix.size());
  while (keep > 0 && keep < topic.size() && !starts_character(topic[keep])) --keep;
  out.clear();
  out.append(topic.substr(0, keep));
  out.append(kDeadLetterSuffix);
}

}  // namespace aiotops::edge
