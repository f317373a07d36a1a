#include "quant/device_run.h"

#include <string>

#include "micro/host/host_model.h"
#include "tflite/writer.h"

namespace aiotops::quant {

Result<DeviceRun> run_on_device_core(const tflite::Graph& graph, std::span<const double> rows) {
  const size_t cols = graph.inputs;
  if (cols == 0 || rows.size() % cols != 0) {
    return fail(ErrorCode::kInvalidArgument, "{} values do not form rows of {} features",
                rows.size(), cols);
  }
  auto bytes = tflite::write_tflite(graph);
  if (!bytes) return fail(bytes.error());
  auto model = micro::HostModel::from_bytes(*bytes, "the written .tflite model");
  if (!model) return fail(model.error());
  DeviceRun run;
  run.model_bytes = model->model_bytes();
  run.arena_bytes = model->arena_bytes();
  run.scores.reserve(rows.size() / cols);
  std::vector<float> input(cols);
  for (size_t at = 0; at < rows.size(); at += cols) {
    for (size_t c = 0; c < cols; ++c) input[c] = static_cast<float>(rows[at + c]);
    auto score = model->score(input);
    if (!score) return fail(score.error().with_context(fmt::format("row {}", at / cols + 1)));
    run.scores.push_back(*score);
  }
  return run;
}

}  // namespace aiotops::quant
