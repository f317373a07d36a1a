#include "edge/control_command.h"

#include <string>

#include <nlohmann/json.hpp>

namespace aiotops::edge {
namespace {

Result<ModelRequest> model_request(const nlohmann::json& payload) {
  if (payload.is_string()) {
    if (payload.get_ref<const std::string&>().empty()) {
      return fail(ErrorCode::kInvalidArgument, "download-model: the payload names no model");
    }
    return ModelRequest{ModelRole::kPrimary, payload.get<std::string>()};
  }
  if (!payload.is_object()) {
    return fail(ErrorCode::kInvalidArgument,
                "download-model: the payload must be a file name or an object with \"file\"");
  }
  const auto file = payload.find("file");
  if (file == payload.end() || !file->is_string() || file->get_ref<const std::string&>().empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "download-model: payload field \"file\" is missing or not a non-empty string");
  }
  ModelRequest request{ModelRole::kPrimary, file->get<std::string>()};
  if (const auto role = payload.find("role"); role != payload.end()) {
    if (!role->is_string()) {
      return fail(ErrorCode::kInvalidArgument,
                  "download-model: payload field \"role\" is not a "
                  "string");
    }
    auto parsed = parse_model_role(role->get_ref<const std::string&>());
    if (!parsed) return fail(parsed.error().with_context("download-model"));
    request.role = *parsed;
  }
  return request;
}

}  // namespace

Result<std::optional<ModelRequest>> parse_control_message(std::string_view message) {
  if (message.size() > kMaxControlMessageBytes) {
    return fail(ErrorCode::kInvalidArgument, "control message of {} bytes (at most {})",
                message.size(), kMaxControlMessageBytes);
  }
  const nlohmann::json document = nlohmann::json::parse(message, nullptr, false);
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
  if (command->get_ref<const std::string&>() != kDownloadModelCommand) return std::nullopt;
  const auto payload = document.find("payload");
  if (payload == document.end()) {
    return fail(ErrorCode::kInvalidArgument, "download-model: no \"payload\"");
  }
  auto request = model_request(*payload);
  if (!request) return fail(request.error());
  return std::optional<ModelRequest>(std::move(*request));
}

}  // namespace aiotops::edge
