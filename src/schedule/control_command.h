#pragma once
// The reference system's control messages on topic `control-message` (see
// edge/control_command.h): {"command": C, "payload": P}. The scheduler acts on
// C = "train-model"; the payload is handed to the training workflow as a parameter. Control
// messages are rare: parsing uses nlohmann::json and allocates. Thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::schedule {

inline constexpr std::string_view kControlTopic = "control-message";
inline constexpr std::string_view kTrainModelCommand = "train-model";
inline constexpr size_t kMaxControlMessageBytes = 64 * 1024;  // longer ones are refused unread

struct ControlCommand {
  std::string command;
  // A string payload as it is, any other JSON value as compact JSON; nullopt when absent or null.
  std::optional<std::string> payload;
};

// kInvalidArgument naming what is wrong: too large, not JSON, not an object, no string
// "command".
Result<ControlCommand> parse_control_command(std::string_view message);

}  // namespace aiotops::schedule
