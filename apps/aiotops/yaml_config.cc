#include "apps/aiotops/yaml_config.h"

#include <exception>

#include "common/yaml_items.h"

namespace aiotops::cli {
namespace {

// Sets one option from a file item; CLI11 reports bad values by exception.
Status apply_item(CLI::App& command, const YamlItem& item, const std::string& path) {
  const auto refuse = [&](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: {}: {}", path, item.line, item.key, why);
  };
  CLI::Option* option =
      item.key.starts_with('-') ? nullptr : command.get_option_no_throw("--" + item.key);
  if (option == nullptr) {
    return refuse(fmt::format("not an option of aiotops {} (see its --help; names go without --)",
                              command.get_name()));
  }
  if (!option->get_configurable()) return refuse("cannot be set in a config file");
  if (option->count() > 0) return {};  // given on the command line, which wins
  const bool flag = option->get_expected_min() == 0;
  if (item.is_list && (flag || option->get_items_expected_max() <= 1)) {
    return refuse(fmt::format("expects one value, not a list{}", flag ? " (true or false)" : ""));
  }
  try {
    if (flag) {
      option->add_result(option->get_flag_value(item.key, item.values.front()));
    } else {
      option->add_result(item.values);
    }
    option->run_callback();
  } catch (const CLI::Error& e) {
    return refuse(e.what());
  } catch (const std::exception& e) {
    return refuse(e.what());
  }
  return {};
}

// A YAML double-quoted scalar.
std::string yaml_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string set_options_yaml(const CLI::App& command) {
  std::string out;
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() == 0 || !option->get_configurable() || option->get_lnames().empty()) {
      continue;
    }
    const std::vector<std::string>& values = option->results();
    out += option->get_lnames().front() + ": ";
    if (option->get_items_expected_max() > 1) {
      out.push_back('[');
      for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + yaml_quoted(values[i]);
      out.push_back(']');
    } else {
      out += yaml_quoted(values.back());
    }
    out.push_back('\n');
  }
  return out;
}

CLI::Option* add_config_option(CLI::App& command, std::string& path) {
  return command
      .add_option("--config", path,
                  "YAML file of these options: each under its name without the dashes, lists for "
                  "repeatable ones, true/false for flags; command-line flags win")
      ->configurable(false);
}

Status apply_config_file(CLI::App& command, const std::string& path) {
  auto items = read_yaml_items(path);
  if (!items) return fail(items.error());
  for (const YamlItem& item : *items) {
    if (Status s = apply_item(command, item, path); !s) return s;
  }
  return {};
}

}  // namespace aiotops::cli
