#include "apps/aiotops/dataset_input.h"

#include <cstdio>

#include <fmt/format.h>

#include "common/temp_dir.h"
#include "telemetry/csv_reader.h"

namespace aiotops::cli {

Result<telemetry::Dataset> read_input(std::string_view command, const std::string& path,
                                      const telemetry::ReadOptions& options,
                                      const RegistryClientFlags& registry) {
  auto registry_name = parse_registry_name(path);
  if (!registry_name) return fail(registry_name.error());
  if (*registry_name) {
    auto dir = TempDir::create(fmt::format("aiotops-{}", command));
    if (!dir) return fail(dir.error());
    auto input = resolve_input(path, registry::ArtifactPath::kDatasets, registry, dir->path());
    if (!input) return fail(input.error());
    return read_input(command, input->file.string(), options, registry);
  }
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

Result<telemetry::Dataset> read_input(std::string_view command, const std::string& path,
                                      const telemetry::ReadOptions& options) {
  return read_input(command, path, options, registry_flags_from_environment());
}

}  // namespace aiotops::cli
