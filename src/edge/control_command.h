#pragma once
// The reference system's control messages on topic `control-message`:
// {"command": C, "payload": P}, C one of extract-data, train-model, download-model. The edge
// service acts on download-model only; its payload names the model:
//   "motor-v3.tflite"                               the primary model, by file name
//   {"file": "motor-v3.tflite", "role": "cascade"}  with the role ("primary" when absent)
// The name is resolved by the service's ModelSource: for the model directory, a file name or a
// relative path inside it (edge/model_source.h refuses "..", URLs and paths outside it).
// Control messages are rare: parsing uses nlohmann::json and allocates.

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/error.h"
#include "edge/model_source.h"

namespace aiotops::edge {

inline constexpr std::string_view kControlTopic = "control-message";
inline constexpr std::string_view kDownloadModelCommand = "download-model";
// Bytes; longer control messages are refused unparsed.
inline constexpr size_t kMaxControlMessageBytes = 64 * 1024;

// The model request a control message carries; std::nullopt for any other command (meant for
// other services or devices). Fails with kInvalidArgument naming what is wrong: too large, not
// JSON, not an object, no string "command", or a download-model payload that is neither a
// non-empty string nor an object with a non-empty string "file" and an optional "role".
// Thread-safe.
Result<std::optional<ModelRequest>> parse_control_message(std::string_view message);

}  // namespace aiotops::edge
