#pragma once
// The Range request header for downloads (RFC 9110 §14): one "bytes=" range is served as 206
// with Content-Range; a range wholly past the end is 416; anything else (several ranges, other
// units, a syntax we do not read) is ignored and the whole body is served with 200, as the RFC
// allows. Resumable downloads only ever ask for one range.

#include <cstdint>
#include <string>
#include <string_view>

namespace aiotops::registry {

struct ByteRange {
  enum class Kind {
    kWhole,          // no Range header, or one we ignore: serve everything (200)
    kPartial,        // serve [offset, offset + length) (206)
    kUnsatisfiable,  // no byte of the range exists (416, "Content-Range: bytes */size")
  };
  Kind kind = Kind::kWhole;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Resolves `header` (the Range header's value; empty when absent) against a body of `size`
// bytes. "bytes=A-B" (B clamped to the end), "bytes=A-", "bytes=-N" (the last N bytes).
// Never fails; thread-safe.
ByteRange resolve_range(std::string_view header, uint64_t size);

// "bytes A-B/size" for a partial range, "bytes */size" for an unsatisfiable one.
std::string content_range(const ByteRange& range, uint64_t size);

}  // namespace aiotops::registry
