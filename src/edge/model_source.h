#pragma once
// Where a replacement model comes from. A ModelRequest names the model and the role it takes;
// a ModelSource turns the request into the model's bytes on the caller's (loader) thread. The
// control command and the file watch resolve to files in the model directory (DirectorySource);
// a registry client is another ModelSource.
//
// DirectorySource references: a file name or a relative path inside the model directory
// ("motor-v3.tflite", "2025-01/motor.json"), or an absolute path that lies inside it. Refused:
// empty references, URLs ("scheme://..."), any ".." component, absolute paths outside the
// directory, and paths that leave it through a symbolic link.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "telemetry/stats.h"

namespace aiotops::edge {

// The stage a model serves in: the primary model scores every reading; the cascade model only
// the readings the primary finds uncertain (edge/cascade.h).
enum class ModelRole { kPrimary, kCascade };
std::string_view to_string(ModelRole role);  // "primary", "cascade"
// kInvalidArgument naming the text for anything but "primary" or "cascade".
Result<ModelRole> parse_model_role(std::string_view text);

struct ModelRequest {
  ModelRole role = ModelRole::kPrimary;
  std::string reference;  // what names the model to its source (a file name, for a directory)
};

// The data a model was trained on, when its source knows (a registry model's lineage): the
// drift monitor's reference for that model (`--drift-reference model`).
struct TrainingData {
  std::string dataset;                                   // "NAME:VERSION"; empty: unknown
  std::shared_ptr<const telemetry::DatasetStats> stats;  // null: unknown
};

// A model file's bytes and where they came from (a path, for messages and ModelInfo::origin).
struct ModelBytes {
  std::string bytes;
  std::string origin;
  TrainingData training{};
};

// Reads a whole model file. kNotFound/kIo naming the path, kResourceExhausted when it is larger
// than `max_file_bytes` (checked before reading). Thread-safe.
Result<std::string> read_model_file(const std::filesystem::path& path, size_t max_file_bytes);

// Implementations are called from a loader thread, never from an inference worker.
class ModelSource {
 public:
  virtual ~ModelSource() = default;
  // The bytes `request` names. Fails with kInvalidArgument for a reference the source refuses,
  // kNotFound/kIo/kUnavailable when it cannot get them, kResourceExhausted beyond its size limit.
  virtual Result<ModelBytes> fetch(const ModelRequest& request) = 0;
};

// Model files in one directory. Thread-safe (no mutable state).
class DirectorySource final : public ModelSource {
 public:
  // `max_file_bytes`: larger files are refused unread.
  explicit DirectorySource(std::filesystem::path directory,
                           size_t max_file_bytes = size_t{64} << 20)
      : directory_(std::move(directory)), max_file_bytes_(max_file_bytes) {}

  // The file `reference` names under the rules above. kInvalidArgument naming the reference
  // and the rule it breaks; the file need not exist.
  Result<std::filesystem::path> resolve(std::string_view reference) const;
  Result<ModelBytes> fetch(const ModelRequest& request) override;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
  size_t max_file_bytes_;
};

}  // namespace aiotops::edge
