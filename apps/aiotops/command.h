#pragma once
// How subcommands plug into the aiotops binary. Each <name>_command.cc defines one add_*
// function that registers its flags on the root app and, when the subcommand is chosen, sets
// `run` to the action. Commands print results on stdout and diagnostics on stderr.

#include <functional>

#include <CLI/CLI.hpp>

#include "common/error.h"

namespace aiotops::cli {

// Exit codes of the CLI contract.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitGateRefused = 3;

using Action = std::function<int()>;

// Prints "aiotops: <message>" to stderr and returns the exit code for the error's class.
int report_error(const Error& error);

void add_sim_command(CLI::App& root, Action& run);
void add_stats_command(CLI::App& root, Action& run);
void add_train_command(CLI::App& root, Action& run);
void add_evaluate_command(CLI::App& root, Action& run);
void add_infer_command(CLI::App& root, Action& run);
void add_export_command(CLI::App& root, Action& run);
void add_inspect_command(CLI::App& root, Action& run);
void add_quantize_command(CLI::App& root, Action& run);
void add_edge_command(CLI::App& root, Action& run);
void add_registry_command(CLI::App& root, Action& run);
void add_validate_command(CLI::App& root, Action& run);
void add_extract_command(CLI::App& root, Action& run);
void add_publish_command(CLI::App& root, Action& run);

// `aiotops pipeline ...`: main.cc makes the group; each of these adds its subcommands to it.
void add_pipeline_command(CLI::App& pipeline, Action& run);  // run, list, show, logs, retry
void add_pipeline_export_command(CLI::App& pipeline, Action& run);
void add_pipeline_schedule_command(CLI::App& pipeline, Action& run);

}  // namespace aiotops::cli
