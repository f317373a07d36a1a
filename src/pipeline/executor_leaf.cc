// One attempt of a container or script template: a built-in step or a host process, with its
// input artifacts copied in and its outputs (parameters, result, artifacts) read back.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pipeline/builtin_images.h"
#include "pipeline/executor_context.h"

namespace aiotops::pipeline {
namespace {

namespace fs = std::filesystem;

NodeResult ended(NodePhase phase, std::string message) {
  NodeResult result;
  result.phase = phase;
  result.message = std::move(message);
  return result;
}

// Whether the template as written (before variables, which may name host paths under /tmp)
// uses /tmp: only then does the node pay for a private /tmp.
bool mentions_tmp(const Template& tmpl) {
  auto has = [](std::string_view text) { return text.find("/tmp") != std::string_view::npos; };
  auto any = [&](const std::vector<std::string>& texts) {
    return std::any_of(texts.begin(), texts.end(), has);
  };
  if (any(tmpl.container.command) || any(tmpl.container.args) || has(tmpl.container.source)) {
    return true;
  }
  for (const auto& output : tmpl.outputs.parameters) {
    if (output.value_from_path && has(*output.value_from_path)) return true;
  }
  for (const auto* artifacts : {&tmpl.inputs.artifacts, &tmpl.outputs.artifacts}) {
    for (const auto& artifact : *artifacts) {
      if (has(artifact.path)) return true;
    }
  }
  return false;
}

Result<std::vector<std::string>> substitute_all(const std::vector<std::string>& texts,
                                                const Scope& scope) {
  std::vector<std::string> out;
  out.reserve(texts.size());
  for (const auto& text : texts) {
    auto value = substitute(text, scope);
    if (!value) return fail(value.error());
    out.push_back(std::move(*value));
  }
  return out;
}

// The command line of a built-in step: `aiotops <step>`, the image map entry's args, then the
// template's own args (the image's entrypoint is aiotops, so a template `command` has no role).
Result<std::vector<std::string>> builtin_command(const Template& tmpl, const ImageMapping& mapping,
                                                 const fs::path& aiotops_binary) {
  if (tmpl.kind == TemplateKind::kScript) {
    return fail(ErrorCode::kInvalidArgument,
                "image '{}' is the built-in step '{}', which runs as a container template, not "
                "a script",
                tmpl.container.image, mapping.builtin);
  }
  if (aiotops_binary.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "image '{}' is the built-in step '{}', but no aiotops binary is configured to "
                "run it",
                tmpl.container.image, mapping.builtin);
  }
  std::vector<std::string> command = {aiotops_binary.string(), mapping.builtin};
  command.insert(command.end(), mapping.args.begin(), mapping.args.end());
  return command;
}

// The host-process spec of a container or script template, variables filled in: the template
// as written, the image map's host command, or a built-in step.
Result<NodeRunSpec> host_spec(const RunContext& context, const Invocation& invocation,
                              const Scope& scope, const ImageMapping* mapping, fs::path node_dir) {
  const Template& tmpl = *invocation.resolved.tmpl;
  const bool builtin = mapping != nullptr && !mapping->builtin.empty();
  NodeRunSpec spec;
  spec.node_name = invocation.id;
  spec.node_dir = std::move(node_dir);
  // The tightest activeDeadlineSeconds above the node bounds its process (at least 1 ms: a
  // deadline already passed stops it at once).
  if (invocation.deadline) {
    spec.active_deadline = std::max(std::chrono::milliseconds(1),
                                    std::chrono::duration_cast<std::chrono::milliseconds>(
                                        *invocation.deadline - std::chrono::steady_clock::now()));
  }
  if (builtin) {
    // The node's /tmp is <node_dir>/tmp without a mount namespace (NodeRunSpec::tmp_namespace):
    // a /tmp path written in the template's args is rewritten to it before variables are
    // filled, so values from parameters (host files, maybe under the host's /tmp) stay as given.
    spec.private_tmp = true;
    spec.tmp_namespace = false;
    std::vector<std::string> written = tmpl.container.args;
    for (std::string& arg : written) {
      if (arg == "/tmp" || arg.starts_with("/tmp/")) arg = node_host_path(spec, arg).string();
    }
    auto command = builtin_command(tmpl, *mapping, context.options().aiotops_binary);
    if (!command) return fail(command.error());
    auto args = substitute_all(written, scope);
    if (!args) return fail(args.error());
    spec.command = std::move(*command);
    spec.args = std::move(*args);
  } else if (mapping != nullptr) {
    spec.command = mapping->command;
  } else {
    auto command = substitute_all(tmpl.container.command, scope);
    if (!command) return fail(command.error());
    auto args = substitute_all(tmpl.container.args, scope);
    if (!args) return fail(args.error());
    spec.command = std::move(*command);
    spec.args = std::move(*args);
  }
  if (tmpl.kind == TemplateKind::kScript) {
    auto source = substitute(tmpl.container.source, scope);
    if (!source) return fail(source.error());
    spec.script_source = std::move(*source);
  }
  if (spec.command.empty()) {
    return fail(ErrorCode::kInvalidArgument, "image '{}' has no command to run on the host",
                tmpl.container.image);
  }
  if (builtin) {
    // What every built-in step reads (docs/pipeline-steps.md); the template's env may override.
    spec.env.emplace_back("AIOTOPS_RUN_ID", context.run_id());
    spec.env.emplace_back("AIOTOPS_OUTPUTS_DIR", node_host_path(spec, kBuiltinOutputsDir).string());
  }
  for (const auto& var : tmpl.container.env) {
    auto value = substitute(var.value, scope);
    if (!value) return fail(value.error());
    spec.env.emplace_back(var.name, std::move(*value));
  }
  for (const auto& output : tmpl.outputs.parameters) {
    if (!output.value_from_path) continue;
    auto path = substitute(*output.value_from_path, scope);
    if (!path) return fail(path.error());
    spec.output_parameters.push_back({output.name, std::move(*path), output.default_value});
  }
  for (size_t i = 0; i < invocation.artifacts.size(); ++i) {
    const Artifact* input = tmpl.inputs.find_artifact(invocation.artifacts[i].first);
    if (input == nullptr) continue;
    spec.input_files.push_back({invocation.artifacts[i].second, input->path});
  }
  if (!builtin) spec.private_tmp = mentions_tmp(tmpl);
  return spec;
}

// Output artifacts: files the node left at its declared paths.
void collect_artifacts(const Template& tmpl, const NodeRunSpec& spec, NodeResult& result) {
  for (const auto& artifact : tmpl.outputs.artifacts) {
    if (artifact.path.empty()) continue;
    const fs::path host = node_host_path(spec, artifact.path);
    std::error_code ec;
    if (fs::exists(host, ec)) {
      result.artifacts.emplace_back(artifact.name, host.string());
    } else if (!artifact.optional && result.phase == NodePhase::kSucceeded) {
      result.phase = NodePhase::kError;
      result.message =
          fmt::format("output artifact '{}': {} does not exist", artifact.name, artifact.path);
    }
  }
}

}  // namespace

std::string leaf_memo_key(const Invocation& invocation) {
  const Template& tmpl = *invocation.resolved.tmpl;
  nlohmann::json text = {
      {"kind", std::string(to_string(tmpl.kind))}, {"image", tmpl.container.image},
      {"command", tmpl.container.command},         {"args", tmpl.container.args},
      {"source", tmpl.container.source},           {"workingDir", tmpl.container.working_dir}};
  for (const auto& var : tmpl.container.env) text["env"][var.name] = var.value;
  for (const auto& output : tmpl.outputs.parameters) {
    text["outputs"][output.name] = output.value_from_path.value_or("");
  }
  for (const auto& output : tmpl.outputs.artifacts) text["artifacts"][output.name] = output.path;
  NamedValues inputs = invocation.parameters;
  for (const auto& [name, path] : invocation.artifacts)
    inputs.emplace_back("artifact:" + name, path);
  return memo_key(text.dump(), inputs);
}

NodeResult run_leaf_attempt(RunContext& context, const Invocation& invocation, int retry,
                            NodeRecord& record) {
  const Template& tmpl = *invocation.resolved.tmpl;
  Scope scope = context.body_scope(invocation);
  scope.set("retries", std::to_string(retry));
  const ImageMap defaults;
  const ImageMap& images = context.options().image_map ? *context.options().image_map : defaults;
  const auto mapping = images.find(tmpl.container);
  const bool builtin = mapping && !mapping->builtin.empty();

  auto spec = host_spec(context, invocation, scope, mapping ? &*mapping : nullptr,
                        context.store().next_node_dir(context.run_id(), invocation.id));
  if (!spec) {
    return ended(NodePhase::kError, spec.error().with_context(to_string(tmpl.location)).message());
  }
  if (!builtin && !context.options().host_exec) {
    return ended(NodePhase::kError, fmt::format("image '{}' runs on the host: pass --host-exec",
                                                tmpl.container.image));
  }
  auto outcome = context.options().run_process(*spec, context.cancel());
  if (!outcome) return ended(NodePhase::kError, outcome.error().message());
  NodeResult result = ended(outcome->phase, outcome->message);
  result.exit_code = outcome->exit_code;
  result.output_parameters = std::move(outcome->output_parameters);
  result.result = std::move(outcome->result);
  collect_artifacts(tmpl, *spec, result);
  record.exit_code = result.exit_code;
  record.stdout_path = outcome->stdout_path.string();
  record.stderr_path = outcome->stderr_path.string();
  return result;
}

}  // namespace aiotops::pipeline
