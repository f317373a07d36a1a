// libFuzzer target: the CSV dataset reader (tokenizer, header detection, bad-row handling) under
// several option combinations, then statistics and their JSON on whatever it accepts.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_checks.h"
#include "telemetry/csv_reader.h"

namespace {

std::vector<aiotops::telemetry::ReadOptions> option_sets() {
  using aiotops::telemetry::ReadOptions;
  std::vector<ReadOptions> sets(4);
  sets[1].skip_bad_rows = true;
  sets[2].features = {"current", "temperature"};
  sets[2].label = "label";
  sets[2].skip_bad_rows = true;
  sets[3].features = {"a"};
  sets[3].label = "b";
  sets[3].max_error_examples = 1;
  return sets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto kOptionSets = option_sets();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& options : kOptionSets) {
    aiotops::telemetry::BadRowReport report;
    auto dataset = aiotops::telemetry::parse_csv(text, "fuzz.csv", options, &report);
    if (dataset) aiotops::fuzz::check_dataset(*dataset, report, options);
  }
  return 0;
}
