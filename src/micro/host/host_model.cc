#include "micro/host/host_model.h"

#include <cstring>

#include <fmt/format.h>

#include "common/files.h"
#include "tflite/metadata.h"

namespace aiotops::micro {

bool is_tflite(std::string_view bytes) { return bytes.size() >= 8 && bytes.substr(4, 4) == "TFL3"; }

Result<HostModel> HostModel::load(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes) return fail(bytes.error());
  return from_bytes(*bytes, path.string());
}

Result<HostModel> HostModel::from_bytes(std::string_view bytes, std::string_view origin) {
  HostModel model;
  model.origin_ = origin;
  model.model_bytes_ = bytes.size();
  model.model_.resize(bytes.size() / sizeof(Chunk) + 1);
  std::memcpy(model.model_.data(), bytes.data(), bytes.size());
  const auto* data = reinterpret_cast<const uint8_t*>(model.model_.data());
  size_t arena_bytes = 0;
  if (Status s = arena_required(data, bytes.size(), &arena_bytes); s != Status::kOk) {
    return fail(ErrorCode::kCorrupt, "{}: the inference core refuses the model: {}", origin,
                status_message(s));
  }
  model.arena_.resize(arena_bytes / sizeof(Chunk) + 1);
  model.interpreter_ = std::make_unique<Interpreter>();
  if (Status s = model.interpreter_->init(data, bytes.size(),
                                          reinterpret_cast<uint8_t*>(model.arena_.data()),
                                          model.arena_.size() * sizeof(Chunk));
      s != Status::kOk) {
    return fail(ErrorCode::kInternal, "{}: the inference core fails to load the model: {}", origin,
                status_message(s));
  }
  const Interpreter& interpreter = *model.interpreter_;
  if (interpreter.input_count() != 1 || interpreter.output_count() != 1 ||
      interpreter.output(0).elements != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: not a single-score model ({} inputs, {} outputs; one of each with one "
                "output value expected)",
                origin, interpreter.input_count(), interpreter.output_count());
  }
  model.input_size_ = interpreter.input(0).elements;
  const uint8_t* metadata = nullptr;
  size_t metadata_size = 0;
  if (interpreter.metadata(std::string(tflite::kMetadataName).c_str(), &metadata, &metadata_size) ==
      Status::kOk) {
    auto parsed = tflite::metadata_from_json(
        std::string_view(reinterpret_cast<const char*>(metadata), metadata_size));
    if (!parsed) {
      return fail(parsed.error().with_context(
          fmt::format("{}: metadata '{}'", origin, tflite::kMetadataName)));
    }
    if (!parsed->feature_names.empty() && parsed->feature_names.size() != model.input_size_) {
      return fail(ErrorCode::kCorrupt, "{}: metadata names {} features for {} model inputs", origin,
                  parsed->feature_names.size(), model.input_size_);
    }
    const tflite::Standardization& z = parsed->device_standardize;
    if (!z.empty() && (z.mean.size() != model.input_size_ || z.scale.size() != model.input_size_)) {
      return fail(ErrorCode::kCorrupt,
                  "{}: metadata input_standardization has {} means and {} scales for {} model "
                  "inputs",
                  origin, z.mean.size(), z.scale.size(), model.input_size_);
    }
    if (!z.empty()) model.standardized_.resize(model.input_size_);
    model.metadata_ = std::move(*parsed);
  }
  return model;
}

Result<float> HostModel::score(std::span<const float> features) {
  if (features.size() != input_size_) {
    return fail(ErrorCode::kInvalidArgument, "{}: {} values for {} model inputs", origin_,
                features.size(), input_size_);
  }
  if (!standardized_.empty()) {
    const tflite::Standardization& z = metadata_->device_standardize;
    for (size_t i = 0; i < features.size(); ++i) {
      standardized_[i] = (features[i] - z.mean[i]) / z.scale[i];
    }
    features = standardized_;
  }
  Status s = interpreter_->set_input(0, features.data(), features.size());
  if (s == Status::kOk) s = interpreter_->invoke();
  float score = 0.0f;
  if (s == Status::kOk) s = interpreter_->get_output(0, &score, 1);
  if (s != Status::kOk) {
    return fail(ErrorCode::kInternal, "{}: inference core: {}", origin_, status_message(s));
  }
  return score;
}

}  // namespace aiotops::micro
