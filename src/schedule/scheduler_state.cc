#include "schedule/scheduler_state.h"

#include <nlohmann/json.hpp>

#include "common/files.h"

namespace aiotops::schedule {
namespace {

using nlohmann::json;

json to_json(const ScheduledRuns& runs, const char* time_key) {
  json out = {{"runs", runs.runs}};
  if (runs.last) out[time_key] = runs.last->time_since_epoch().count();
  return out;
}

ScheduledRuns from_json(const json& in, const char* time_key) {
  ScheduledRuns runs;
  if (in.contains(time_key))
    runs.last = Seconds(std::chrono::seconds(in.at(time_key).get<int64_t>()));
  runs.runs = in.at("runs").get<std::vector<std::string>>();
  return runs;
}

}  // namespace

Result<SchedulerState> load_state(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return SchedulerState{};
  auto text = read_file(file);
  if (!text) return fail(text.error());
  try {
    const json document = json::parse(*text);
    if (document.at("version").get<int>() != 1) {
      return fail(ErrorCode::kCorrupt, "{}: unknown version", file.string());
    }
    SchedulerState state;
    for (const auto& [name, entry] : document.at("crons").items()) {
      state.crons[name] = from_json(entry, "last_scheduled");
    }
    state.train_model = from_json(document.at("train_model"), "last_started");
    return state;
  } catch (const json::exception& e) {
    return fail(ErrorCode::kCorrupt, "{}: not a scheduler state file: {}", file.string(), e.what());
  }
}

Status save_state(const std::filesystem::path& file, const SchedulerState& state) {
  json crons = json::object();
  for (const auto& [name, runs] : state.crons) crons[name] = to_json(runs, "last_scheduled");
  const json document = {{"version", 1},
                         {"crons", crons},
                         {"train_model", to_json(state.train_model, "last_started")}};
  return write_file_atomic(file, document.dump(2) + "\n");
}

}  // namespace aiotops::schedule
