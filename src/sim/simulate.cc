#include "sim/simulate.h"

#include "common/files.h"
#include "sim/fleet.h"
#include "sim/manifest.h"

namespace aiotops::sim {

Result<SimSummary> simulate_to_file(const FleetOptions& options, const SimOutputOptions& output) {
  auto fleet = Fleet::create(options);
  if (!fleet) return fail(fleet.error());
  telemetry::ReadingFormatOptions format;
  format.precision = output.precision;
  format.fft_data_flag = options.esp32_fft;
  auto writer =
      telemetry::ReadingWriter::open(output.out, fleet->feature_names(), output.format, format);
  if (!writer) return fail(writer.error());
  SimSummary summary;
  summary.manifest = manifest_path(output.out);
  auto manifest = AtomicFileWriter::open(summary.manifest);
  if (!manifest) return fail(manifest.error());

  telemetry::Reading reading;
  while (fleet->next(reading)) {
    if (auto status = writer->write(reading); !status) return fail(status.error());
  }
  auto text = manifest_json(options, fleet->feature_names(), fleet->faults());
  if (auto status = manifest->write(text); !status) return fail(status.error());
  if (auto status = writer->commit(); !status) return fail(status.error());
  if (auto status = manifest->commit(); !status) return fail(status.error());
  summary.rows = writer->rows();
  summary.devices = options.devices;
  summary.faults = fleet->faults();
  return summary;
}

}  // namespace aiotops::sim
