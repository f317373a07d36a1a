// libFuzzer target: the telemetry JSON parser (reused across inputs, as on the hot path) and the
// JSON-lines dataset reader, then statistics and their JSON on whatever the reader accepts.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_checks.h"
#include "telemetry/json_codec.h"
#include "telemetry/jsonl_reader.h"

namespace {

using namespace aiotops::telemetry;

JsonReadingOptions labelled_options() {
  JsonReadingOptions options;
  options.features = {"a", "b"};
  options.label_field = "label";
  options.max_message_bytes = 512;
  return options;
}

void check_message(JsonReadingParser& parser, std::string_view text, Reading& reading) {
  auto status = parser.parse(text, reading);
  aiotops::fuzz::require(status.has_value() == (parser.last_problem() == RowProblem::kNone),
                         "last_problem() is kNone exactly on success");
  if (!status) return;
  aiotops::fuzz::require(reading.values.size() == parser.options().features.size(),
                         "one value per feature");
  for (double value : reading.values) {
    aiotops::fuzz::require(std::isfinite(value), "parsed values are finite");
  }
  aiotops::fuzz::require(!reading.label || std::isfinite(*reading.label), "label is finite");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static JsonReadingParser motor_parser;
  static JsonReadingParser labelled_parser(labelled_options());
  static Reading reading;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_message(motor_parser, text, reading);
  check_message(labelled_parser, text, reading);

  ReadOptions options;
  for (bool skip : {false, true}) {
    options.skip_bad_rows = skip;
    BadRowReport report;
    auto dataset = parse_jsonl(text, "fuzz.jsonl", options, &report);
    if (dataset) aiotops::fuzz::check_dataset(*dataset, report, options);
  }
  return 0;
}
