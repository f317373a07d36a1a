#include "edge/model_slot.h"

#include <algorithm>
#include <utility>

namespace aiotops::edge {

Result<std::vector<size_t>> cascade_inputs(const ModelInfo& primary, const ModelInfo& cascade) {
  std::vector<size_t> inputs;
  for (const std::string& name : cascade.feature_names) {
    const auto it = std::find(primary.feature_names.begin(), primary.feature_names.end(), name);
    if (it == primary.feature_names.end()) {
      return fail(ErrorCode::kInvalidArgument,
                  "cascade model {} ({}) needs feature '{}', which primary model {} ({}) does not "
                  "read",
                  cascade.version, cascade.origin, name, primary.version, primary.origin);
    }
    inputs.push_back(static_cast<size_t>(it - primary.feature_names.begin()));
  }
  return inputs;
}

Result<std::shared_ptr<const ModelSet>> ModelSlot::load_file(ModelRole role,
                                                             const std::filesystem::path& path) {
  std::lock_guard lock(load_mutex_);
  return install(role, LoadedModel::load(path, options_));
}

Result<std::shared_ptr<const ModelSet>> ModelSlot::load_bytes(ModelRole role,
                                                              std::string_view bytes,
                                                              std::string_view origin,
                                                              TrainingData training) {
  std::lock_guard lock(load_mutex_);
  return install(role, LoadedModel::from_bytes(bytes, origin, options_, std::move(training)));
}

Result<std::shared_ptr<const ModelSet>> ModelSlot::load_request(const ModelRequest& request,
                                                                ModelSource& source) {
  auto fetched = source.fetch(request);
  if (!fetched) return refuse(fetched.error());
  return load_bytes(request.role, fetched->bytes, fetched->origin, std::move(fetched->training));
}

Result<std::shared_ptr<const ModelSet>> ModelSlot::remove_cascade() {
  std::lock_guard lock(load_mutex_);
  const auto serving = current();
  if (!serving || !serving->cascade) {
    return fail(ErrorCode::kInvalidArgument, "no cascade model to remove");
  }
  return publish(serving->primary, nullptr);
}

// Called with load_mutex_ held.
Result<std::shared_ptr<const ModelSet>> ModelSlot::install(
    ModelRole role, Result<std::shared_ptr<const LoadedModel>> model) {
  if (!model) return refuse(model.error());
  const auto serving = current();
  if (role == ModelRole::kPrimary) {
    return publish(std::move(*model), serving ? serving->cascade : nullptr);
  }
  if (!serving) {
    return refuse(Error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: no primary model is serving for a cascade model to follow",
                                    (*model)->info().origin)));
  }
  return publish(serving->primary, std::move(*model));
}

// Called with load_mutex_ held.
Result<std::shared_ptr<const ModelSet>> ModelSlot::publish(
    std::shared_ptr<const LoadedModel> primary, std::shared_ptr<const LoadedModel> cascade) {
  auto set = std::make_shared<ModelSet>();
  if (cascade) {
    auto inputs = cascade_inputs(primary->info(), cascade->info());
    if (!inputs) return refuse(inputs.error());
    set->cascade_inputs = std::move(*inputs);
  }
  set->primary = std::move(primary);
  set->cascade = std::move(cascade);
  const auto serving = current();
  set->generation = serving ? serving->generation + 1 : 1;
  std::shared_ptr<const ModelSet> published = std::move(set);
  current_.store(published, std::memory_order_release);
  swaps_.fetch_add(1, std::memory_order_relaxed);
  return published;
}

std::unexpected<Error> ModelSlot::refuse(Error error) {
  refusals_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(error_mutex_);
    last_error_ = error.message();
  }
  return fail(std::move(error));
}

SlotStats ModelSlot::stats() const {
  const auto serving = current();
  SlotStats stats;
  stats.generation = serving ? serving->generation : 0;
  stats.swaps = swaps_.load(std::memory_order_relaxed);
  stats.refusals = refusals_.load(std::memory_order_relaxed);
  std::lock_guard lock(error_mutex_);
  stats.last_error = last_error_;
  return stats;
}

}  // namespace aiotops::edge
