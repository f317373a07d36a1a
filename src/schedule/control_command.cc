#include "schedule/control_command.h"

#include <nlohmann/json.hpp>

namespace aiotops::schedule {

Result<ControlCommand> parse_control_command(std::string_view message) {
  if (message.size() > kMaxControlMessageBytes) {
    return fail(ErrorCode::kInvalidArgument, "control message of {} bytes (at most {})",
                message.size(), kMaxControlMessageBytes);
  }
  const auto document = nlohmann::json::parse(message, nullptr, false);
  if (document.is_discarded()) {
    return fail(ErrorCode::kInvalidArgument, "control message is not JSON");
  }
  if (!document.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "control message is not a JSON object");
  }
  const auto command = document.find("command");
  if (command == document.end() || !command->is_string()) {
    return fail(ErrorCode::kInvalidArgument, "control message has no string \"command\"");
  }
  ControlCommand out;
  out.command = command->get<std::string>();
  const auto payload = document.find("payload");
  if (payload != document.end() && !payload->is_null()) {
    out.payload = payload->is_string() ? payload->get<std::string>() : payload->dump();
  }
  return out;
}

}  // namespace aiotops::schedule
