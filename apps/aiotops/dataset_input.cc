#include "apps/aiotops/dataset_input.h"

#include <cstdio>

#include "telemetry/csv_reader.h"

namespace aiotops::cli {

Result<telemetry::Dataset> read_input(std::string_view command, const std::string& path,
                                      const telemetry::ReadOptions& options) {
  telemetry::BadRowReport report;
  auto dataset = telemetry::read_dataset(path, options, &report);
  if (!dataset || report.rows_skipped == 0) return dataset;
  std::fprintf(stderr, "aiotops %.*s: %s: skipped %zu of %zu rows\n",
               static_cast<int>(command.size()), command.data(), path.c_str(), report.rows_skipped,
               report.rows_read);
  for (const auto& [reason, count] : report.skipped_by_reason) {
    std::fprintf(stderr, "  %zu %s\n", count, reason.c_str());
  }
  for (const auto& example : report.examples) std::fprintf(stderr, "  e.g. %s\n", example.c_str());
  return dataset;
}

}  // namespace aiotops::cli
