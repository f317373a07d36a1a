// aiotops pipeline export: a pipeline file as an Argo Workflow (or, with --cron, a CronWorkflow)
// for a cluster; built-in steps become containers of the aiotops image (docs/pipeline.md).

#include <cstdio>
#include <memory>
#include <string>

#include "apps/aiotops/command.h"
#include "common/files.h"
#include "pipeline/export.h"
#include "pipeline/loader.h"
#include "pipeline/yaml_reader.h"

namespace aiotops::cli {
namespace {

struct PipelineExportFlags {
  std::string file;
  std::string templates_dir;
  std::string cron;
  std::string image = std::string("ghcr.io/aiotops/aiotops:") + AIOTOPS_VERSION;
  std::string placement;
  std::string out;
};

int run_pipeline_export(const PipelineExportFlags& flags) {
  // Everything `pipeline run` would refuse is refused here too, before anything is written.
  pipeline::LoadOptions load;
  load.templates_dir = flags.templates_dir;
  if (auto loaded = pipeline::load_workflow(flags.file, load); !loaded) {
    return report_error(loaded.error());
  }
  auto documents = pipeline::read_workflow_file(flags.file);
  if (!documents) return report_error(documents.error());

  pipeline::ExportOptions options;
  options.image = flags.image;
  options.cron_schedule = flags.cron;
  if (!flags.placement.empty()) {
    auto text = read_file(flags.placement);
    if (!text) return report_error(text.error());
    auto status = pipeline::read_placements(*text, flags.placement, options.placements);
    if (!status) return report_error(status.error());
  }
  auto exported = pipeline::export_documents(*documents, options);
  if (!exported) return report_error(exported.error());
  if (flags.out.empty()) {
    std::fwrite(exported->data(), 1, exported->size(), stdout);
    return kExitOk;
  }
  if (auto status = write_file_atomic(flags.out, *exported); !status) {
    return report_error(status.error());
  }
  return kExitOk;
}

}  // namespace

void add_pipeline_export_command(CLI::App& pipeline, Action& run) {
  auto flags = std::make_shared<PipelineExportFlags>();
  CLI::App* cmd = pipeline.add_subcommand(
      "export",
      "Write a pipeline file as an Argo Workflow (or CronWorkflow) for a cluster: built-in steps "
      "run the aiotops image on the nodes their placement names");
  cmd->add_option("file", flags->file, "Workflow file (Argo YAML)")->required();
  cmd->add_option("--templates", flags->templates_dir,
                  "Directory of WorkflowTemplates that templateRef names (checked, not exported)");
  cmd->add_option("--cron", flags->cron,
                  "Cron schedule (\"0 3 * * *\"): export a CronWorkflow instead of a Workflow");
  cmd->add_option("--image", flags->image, "Image the built-in steps run in")
      ->capture_default_str();
  cmd->add_option("--placement", flags->placement,
                  "YAML file: nodeSelector/tolerations per built-in step (default: train on "
                  "gpuAccelerator: \"true\" nodes)");
  cmd->add_option("-o,--out", flags->out, "Output file (replaced atomically); default stdout");
  cmd->callback([flags, &run] { run = [flags] { return run_pipeline_export(*flags); }; });
}

}  // namespace aiotops::cli
