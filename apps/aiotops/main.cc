// aiotops: edge machine learning for industrial IoT, operated end to end.

#include <cstdio>
#include <string>

#include "apps/aiotops/command.h"
#include "common/log.h"

namespace aiotops::cli {

int report_error(const Error& error) {
  std::fprintf(stderr, "aiotops: %s\n", error.message().c_str());
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kAlreadyExists:
      return kExitBadInput;
    default:
      return kExitInternal;
  }
}

}  // namespace aiotops::cli

int main(int argc, char** argv) {
  using namespace aiotops::cli;
  CLI::App app{
      "aiotops: edge machine learning for industrial IoT — simulate motor fleets, train and "
      "evaluate fault models, quantize them and export them for devices, and serve them on a "
      "gateway.",
      "aiotops"};
  app.set_version_flag("--version", std::string("aiotops ") + AIOTOPS_VERSION);
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off (stderr)")
      ->capture_default_str();

  Action run;
  add_sim_command(app, run);
  add_stats_command(app, run);
  add_train_command(app, run);
  add_evaluate_command(app, run);
  add_infer_command(app, run);
  add_export_command(app, run);
  add_inspect_command(app, run);
  add_quantize_command(app, run);
  add_edge_command(app, run);
  add_registry_command(app, run);
  add_validate_command(app, run);
  add_extract_command(app, run);
  add_publish_command(app, run);
  CLI::App* pipeline = app.add_subcommand(
      "pipeline", "Run Argo Workflows pipelines on this host, or export them for a cluster");
  pipeline->require_subcommand(1);
  add_pipeline_command(*pipeline, run);
  add_pipeline_export_command(*pipeline, run);
  add_pipeline_schedule_command(*pipeline, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  if (auto status = aiotops::init_logging(log_level); !status) return report_error(status.error());
  if (!run) return kExitInternal;
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aiotops: internal error: %s\n", e.what());
    return kExitInternal;
  }
}
