#include "edge/dead_letter.h"

#include <algorithm>

#include <simdjson.h>
#include <sodium.h>

#include "edge/json_text.h"

namespace aiotops::edge {
namespace {

// Appends `bytes` as standard base64 (with padding) inside quotes.
void append_base64(fmt::memory_buffer& out, std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  size_t encoded = sodium_base64_encoded_len(bytes.size(), kVariant);  // counts the NUL
  out.push_back('"');
  size_t start = out.size();
  out.resize(start + encoded);
  sodium_bin2base64(out.data() + start, encoded,
                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), kVariant);
  out.resize(start + encoded - 1);
  out.push_back('"');
}

// The longest prefix of valid UTF-8 `text` within `limit` bytes that ends on a whole character.
std::string_view cut_text(std::string_view text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t keep = limit;
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return text.substr(0, keep);
}

}  // namespace

void encode_dead_letter(const DeadLetter& letter, const DeadLetterOptions& options,
                        fmt::memory_buffer& out) {
  out.clear();
  out.push_back('{');
  append_json_member(out, "reason", true);
  append_json_string(out, to_string(letter.reason));
  append_json_member(out, "detail");
  append_json_string(out, letter.detail);
  append_json_member(out, "topic");
  append_json_string(out, letter.topic);
  append_json_member(out, "received_ms");
  append_json_integer(out, letter.received_ms);

  std::string_view kept;
  if (simdjson::validate_utf8(letter.payload.data(), letter.payload.size())) {
    kept = cut_text(letter.payload, options.max_payload_bytes);
    append_json_member(out, "payload");
    append_json_string(out, kept);
  } else {
    kept = letter.payload.substr(0, std::min(letter.payload.size(), options.max_payload_bytes));
    append_json_member(out, "payload_base64");
    append_base64(out, kept);
  }
  if (kept.size() < letter.payload.size()) append_raw(out, ",\"truncated\":true");
  out.push_back('}');
}

}  // namespace aiotops::edge
