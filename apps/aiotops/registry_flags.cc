#include "apps/aiotops/registry_flags.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "common/files.h"
#include "registry/file_ops.h"
#include "registry/names.h"

namespace aiotops::cli {
namespace {

constexpr std::string_view kRegistryScheme = "registry:";

std::string flag_name(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? fmt::format("--{}", name) : fmt::format("--{}-{}", prefix, name);
}

// The file extension a downloaded artifact keeps, so readers that go by it (CSV or JSON lines,
// native model or .tflite) see what it is.
std::string_view extension_for(registry::ArtifactPath kind, const nlohmann::json& record) {
  if (kind == registry::ArtifactPath::kDatasets) return ".csv";
  const std::string format = record.value("format", "");
  if (format == "native") return ".json";
  if (format == "c-array") return ".h";
  return ".tflite";
}

bool is_version_number(std::string_view ref) {
  int64_t version = 0;
  auto [end, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), version);
  return ec == std::errc() && end == ref.data() + ref.size() && version > 0;
}

}  // namespace

void add_registry_client_flags(CLI::App* cmd, RegistryClientFlags& flags, std::string_view prefix) {
  const std::string url_flag = prefix.empty() ? "--url" : fmt::format("--{}", prefix);
  auto* url = cmd->add_option(url_flag, flags.url, "Registry base URL, http(s)://host:port")
                  ->envname("AIOTOPS_REGISTRY_URL");
  if (!flags.url.empty()) url->capture_default_str();
  cmd->add_option(flag_name(prefix, "token"), flags.token, "Bearer token of the registry")
      ->envname("AIOTOPS_REGISTRY_TOKEN");
  cmd->add_option(flag_name(prefix, "token-file"), flags.token_file,
                  "File holding the registry's bearer token");
  cmd->add_option(flag_name(prefix, "ca-file"), flags.ca_file,
                  "PEM CA bundle that signs the registry's certificate");
  cmd->add_flag(flag_name(prefix, "no-verify-tls"), flags.no_verify_tls,
                "Accept any registry certificate");
  cmd->add_option(flag_name(prefix, "timeout"), flags.timeout_s,
                  "Seconds to connect to the registry and per read or write")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
}

RegistryClientFlags registry_flags_from_environment() {
  RegistryClientFlags flags;
  if (const char* url = std::getenv("AIOTOPS_REGISTRY_URL")) flags.url = url;
  if (const char* token = std::getenv("AIOTOPS_REGISTRY_TOKEN")) flags.token = token;
  return flags;
}

Result<std::unique_ptr<registry::RegistryClient>> connect_registry(
    const RegistryClientFlags& flags) {
  if (flags.url.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "no registry URL: give --registry (or set AIOTOPS_REGISTRY_URL)");
  }
  registry::ClientOptions options;
  options.url = flags.url;
  options.token = flags.token;
  if (!flags.token_file.empty()) {
    auto text = read_file(flags.token_file);
    if (!text) return fail(text.error().with_context("registry token file"));
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
    options.token = std::move(*text);
  }
  options.ca_file = flags.ca_file;
  options.verify_tls = !flags.no_verify_tls;
  options.timeout = std::chrono::seconds(flags.timeout_s);
  return registry::RegistryClient::create(std::move(options));
}

Result<std::optional<RegistryName>> parse_registry_name(std::string_view text) {
  if (!text.starts_with(kRegistryScheme)) return std::optional<RegistryName>();
  std::string_view rest = text.substr(kRegistryScheme.size());
  RegistryName parsed;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    parsed.ref = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (parsed.ref.empty()) {
      return fail(ErrorCode::kInvalidArgument, "'{}': empty reference after '@'", text);
    }
  }
  parsed.name = std::string(rest);
  if (Status s = registry::validate_name(parsed.name, "registry name"); !s) {
    return fail(s.error().with_context(std::string(text)));
  }
  if (parsed.ref != "latest" && !is_version_number(parsed.ref)) {
    if (Status s = registry::validate_alias(parsed.ref); !s) {
      return fail(s.error().with_context(std::string(text)));
    }
  }
  return std::optional<RegistryName>(std::move(parsed));
}

Result<ResolvedInput> resolve_input(std::string_view text, registry::ArtifactPath kind,
                                    const RegistryClientFlags& flags,
                                    const std::filesystem::path& dir) {
  auto parsed = parse_registry_name(text);
  if (!parsed) return fail(parsed.error());
  if (!*parsed) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(text), ec)) {
      return fail(ErrorCode::kNotFound, "{}: no such file", text);
    }
    return ResolvedInput{std::filesystem::path(text), "", 0};
  }
  const RegistryName& name = **parsed;
  auto client = connect_registry(flags);
  if (!client) return fail(client.error().with_context(std::string(text)));
  auto record = (*client)->get_json(registry::artifact_path(kind, name.name, name.ref));
  if (!record) return fail(record.error().with_context(std::string(text)));
  const int64_t version = record->value("version", int64_t{0});
  const std::string sha256 = record->value("sha256", "");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "create directory {}: {}", dir.string(), ec.message());
  const std::filesystem::path file =
      dir / fmt::format("{}-v{}{}", name.name, version, extension_for(kind, *record));
  if (auto digest = registry::hash_file(file); digest && digest->sha256 == sha256) {
    return ResolvedInput{file, name.name, version};
  }
  auto download = (*client)->pull(kind, name.name, std::to_string(version), file);
  if (!download) return fail(download.error().with_context(std::string(text)));
  return ResolvedInput{file, name.name, version};
}

}  // namespace aiotops::cli
