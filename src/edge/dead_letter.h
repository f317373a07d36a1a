#pragma once
// The dead-letter message: what the edge service publishes to `<topic>/dead-letter` (see
// dead_letter_topic() in edge/topics.h) for a telemetry message it refused:
//   {"reason":"invalid_json","detail":"...","topic":"...","received_ms":1700000000000,
//    "payload":"<original text>"}
// A payload that is not valid UTF-8 is carried as "payload_base64" instead of "payload". Only
// the first max_payload_bytes of the original are kept, and then "truncated":true is added, so a
// 1 MB payload is never republished whole.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "edge/dead_letter_reason.h"

namespace aiotops::edge {

struct DeadLetterOptions {
  // Bytes of the original payload kept in the dead letter (before base64 or escaping); a text
  // payload is cut at the last whole character within this many bytes.
  size_t max_payload_bytes = 4096;
};

// One refused message. Every view must stay valid during encode_dead_letter().
struct DeadLetter {
  DeadLetterReason reason = DeadLetterReason::kInvalidJson;
  std::string_view detail;   // why, naming the field (the decoder's Rejection::detail)
  std::string_view topic;    // the topic the message arrived on
  int64_t received_ms = 0;   // Unix milliseconds at receipt
  std::string_view payload;  // the original bytes
};

// Writes the dead-letter JSON for `letter` into `out` (cleared first). Strings are JSON-escaped;
// the output is valid JSON and valid UTF-8 for any input. No allocation once `out` has grown to
// the largest dead letter (bounded by the options). Never fails; thread-safe on distinct buffers.
void encode_dead_letter(const DeadLetter& letter, const DeadLetterOptions& options,
                        fmt::memory_buffer& out);

}  // namespace aiotops::edge
