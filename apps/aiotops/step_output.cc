#include "apps/aiotops/step_output.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include "apps/aiotops/command.h"
#include "common/files.h"

namespace aiotops::cli {
namespace {

// A key becomes a file name only if it cannot climb out of the directory or hide.
bool is_safe_file_name(const std::string& key) {
  if (key.empty() || key.front() == '.') return false;
  return key.find_first_of("/\\") == std::string::npos;
}

}  // namespace

Status write_step_outputs(const nlohmann::json& result, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(ErrorCode::kIo, "create outputs directory {}: {}", dir.string(), ec.message());
  for (const auto& [key, value] : result.items()) {
    if (!is_safe_file_name(key) || !value.is_primitive() || value.is_null()) continue;
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (Status s = write_file_atomic(dir / key, text); !s) return s;
  }
  return {};
}

int emit_step_result(const nlohmann::json& result, bool print) {
  if (print)
    std::printf("%s\n",
                result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  const char* dir = std::getenv("AIOTOPS_OUTPUTS_DIR");
  if (dir != nullptr && *dir != '\0') {
    if (Status s = write_step_outputs(result, dir); !s) return report_error(s.error());
  }
  return kExitOk;
}

}  // namespace aiotops::cli
