#pragma once
// The hot-path decoder of telemetry messages in the reference system's JSON shape:
//   {"deviceID":"<chip id>","current":412.50,"temperature":36.60,"vibration":1235.90,
//    "sound":150.60,"fft_data":"true"}
// See docs/formats/telemetry.md for every shape accepted and every error.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/error.h"
#include "telemetry/dataset.h"
#include "telemetry/row_problem.h"

namespace aiotops::telemetry {

struct JsonReadingOptions {
  // Feature fields, in the order they land in Reading::values. Default: the motor's four.
  // Names must be distinct (a repeated name can never be satisfied).
  std::vector<std::string> features{kMotorFeatures.begin(), kMotorFeatures.end()};
  // Field holding the label (number, numeric string or boolean); empty: labels are not read.
  // A label_field that is also a feature name is read as the feature.
  std::string label_field;
  // Messages longer than this many bytes are rejected before parsing.
  size_t max_message_bytes = 64 * 1024;
  // true: a feature that is null or absent is read as NaN instead of rejecting the message.
  bool missing_as_nan = false;
};

// Decodes one JSON object per call into a Reading. Fields: `deviceID` or `chipID` (string or
// non-negative integer) or neither; optional `timeStamp` (Unix ms, integer or integer string);
// every feature as a number or numeric string; optional label field and `fault_type` (string).
// Other fields are ignored (only checked for well-formed JSON structure).
//
// Once warm (after a message at least as large), parse() does not allocate: the parser keeps
// its padded input buffer and simdjson's buffers, and `out` keeps its capacity.
// Not thread-safe: use one parser per thread.
class JsonReadingParser {
 public:
  explicit JsonReadingParser(JsonReadingOptions options = {});

  // Fills `out` (every member overwritten) and returns success; on failure returns
  // kInvalidArgument naming the field and why, `out` is unspecified, and last_problem() tells
  // the reason class.
  Status parse(std::string_view message, Reading& out);

  // The reason of the last failed parse(); kNone after a success.
  RowProblem last_problem() const { return last_problem_; }
  const JsonReadingOptions& options() const { return options_; }

 private:
  Status reject(RowProblem problem, Error error);
  Status read_fields(simdjson::ondemand::object& object, Reading& out);

  JsonReadingOptions options_;
  simdjson::ondemand::parser parser_;
  std::unique_ptr<char[]> buffer_;  // message copy followed by SIMDJSON_PADDING zero bytes
  size_t buffer_capacity_ = 0;      // bytes of message the buffer can hold
  std::vector<char> seen_;          // per feature: seen in the current message
  RowProblem last_problem_ = RowProblem::kNone;
};

}  // namespace aiotops::telemetry
