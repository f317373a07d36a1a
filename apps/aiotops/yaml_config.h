#pragma once
// YAML --config files for subcommands, driven by the subcommand's own CLI11 options: every
// option can be set in the file under its long name without the dashes (`broker: mqtt://gw`),
// repeatable options take a list, and flags `true`/`false`. The options table stays the one in
// <name>_command.cc; nothing here lists options. A value given on the command line wins over the
// file. (CLI11 2.1's own set_config() reads config files for the root app only, and its errors
// name neither the file nor the line, hence this adapter.)

#include <string>

#include <CLI/CLI.hpp>

#include "common/error.h"

namespace aiotops::cli {

// Registers `--config FILE` on `command` (stored in `path`; not settable from a file itself).
CLI::Option* add_config_option(CLI::App& command, std::string& path);

// Reads the YAML file at `path` (common/yaml_items.h) and sets each option of `command` it
// names that the command line did not give, running the option's checks and conversion. Call
// once, after `command` was parsed. Fails with kNotFound/kIo for the file, kInvalidArgument
// "FILE:LINE: KEY: ..." for a YAML error, an unknown key, a list for a one-value option or a
// flag, and a value the option refuses (wrong type, out of range). Not thread-safe (CLI11).
Status apply_config_file(CLI::App& command, const std::string& path);

// The options of `command` that were set (on the command line or by a file) as a YAML config
// file of the same shape, one "name: value" line each, values double-quoted, lists for options
// that take several values. Defaults are left out. Not thread-safe (CLI11).
std::string set_options_yaml(const CLI::App& command);

}  // namespace aiotops::cli
