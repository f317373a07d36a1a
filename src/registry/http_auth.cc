#include "registry/http_auth.h"

#include <cctype>

namespace aiotops::registry {

std::string_view to_string(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kReadModels:
      return "read-models";
    case Access::kDeviceReport:
      return "device-report";
    case Access::kReadDatasets:
      return "read-datasets";
    case Access::kWriteArtifacts:
      return "write-artifacts";
    case Access::kAdmin:
      return "admin";
  }
  return "unknown";
}

bool grants(Role role, Access access) {
  switch (access) {
    case Access::kPublic:
      return true;
    case Access::kReadModels:
      return true;  // every role
    case Access::kDeviceReport:
      return role == Role::kDevice || role == Role::kAdmin;
    case Access::kReadDatasets:
    case Access::kWriteArtifacts:
      return role == Role::kPipeline || role == Role::kAdmin;
    case Access::kAdmin:
      return role == Role::kAdmin;
  }
  return false;
}

std::optional<std::string_view> bearer_credential(std::string_view authorization) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!authorization.empty() && is_space(authorization.front())) authorization.remove_prefix(1);
  while (!authorization.empty() && is_space(authorization.back())) authorization.remove_suffix(1);
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || !is_space(authorization[kScheme.size()])) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && is_space(token.front())) token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace aiotops::registry
