#include "pipeline/yaml_reader.h"

#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>

#include "common/duration.h"
#include "common/files.h"
#include "pipeline/export_yaml.h"
#include "pipeline/yaml_fields.h"

namespace aiotops::pipeline {
namespace {

using yaml::MapReader;
using yaml::ReadContext;

#define PIPELINE_ASSIGN(target, expression)                   \
  do {                                                        \
    auto assign_result_ = (expression);                       \
    if (!assign_result_) return fail(assign_result_.error()); \
    target = std::move(*assign_result_);                      \
  } while (false)

#define PIPELINE_CHECK(expression)                          \
  do {                                                      \
    auto check_result_ = (expression);                      \
    if (!check_result_) return fail(check_result_.error()); \
  } while (false)

constexpr std::string_view kApiVersion = "argoproj.io/v1alpha1";

#define PIPELINE_OPEN(reader, context, node, path)             \
  auto reader##_opened = MapReader::open(context, node, path); \
  if (!reader##_opened) return fail(reader##_opened.error());  \
  MapReader& reader = *reader##_opened

using Keys = std::span<const std::string_view>;

// Fields kept for export but meaningless for a process on one host: Kubernetes scheduling,
// identity and pod plumbing.
constexpr std::string_view kIgnoredTemplateFields[] = {"nodeSelector",
                                                       "affinity",
                                                       "tolerations",
                                                       "securityContext",
                                                       "serviceAccountName",
                                                       "automountServiceAccountToken",
                                                       "volumes",
                                                       "podSpecPatch",
                                                       "priorityClassName",
                                                       "priority",
                                                       "schedulerName",
                                                       "hostAliases",
                                                       "metadata",
                                                       "metrics",
                                                       "archiveLocation",
                                                       "executor"};
constexpr std::string_view kUnsupportedTemplateFields[] = {
    "resource",     "suspend",        "http",   "data",       "plugin",
    "containerSet", "sidecars",       "daemon", "memoize",    "synchronization",
    "timeout",      "initContainers", "hooks",  "outputsFrom"};
constexpr std::string_view kIgnoredSpecFields[] = {"nodeSelector",
                                                   "affinity",
                                                   "tolerations",
                                                   "securityContext",
                                                   "serviceAccountName",
                                                   "automountServiceAccountToken",
                                                   "volumes",
                                                   "podSpecPatch",
                                                   "priorityClassName",
                                                   "podPriorityClassName",
                                                   "podPriority",
                                                   "schedulerName",
                                                   "hostAliases",
                                                   "imagePullSecrets",
                                                   "executor",
                                                   "metrics",
                                                   "podGC",
                                                   "ttlStrategy",
                                                   "ttlSecondsAfterFinished",
                                                   "podMetadata",
                                                   "archiveLogs",
                                                   "artifactRepositoryRef",
                                                   "artifactGC",
                                                   "volumeClaimGC",
                                                   "volumeClaimTemplates",
                                                   "workflowMetadata",
                                                   "hostNetwork",
                                                   "dnsPolicy",
                                                   "dnsConfig",
                                                   "podDisruptionBudget"};
constexpr std::string_view kUnsupportedSpecFields[] = {
    "templateDefaults", "workflowTemplateRef", "hooks",   "synchronization",
    "suspend",          "retryStrategy",       "shutdown"};
constexpr std::string_view kIgnoredContainerFields[] = {"securityContext",
                                                        "resources",
                                                        "imagePullPolicy",
                                                        "volumeMounts",
                                                        "ports",
                                                        "livenessProbe",
                                                        "readinessProbe",
                                                        "startupProbe",
                                                        "lifecycle",
                                                        "terminationMessagePath",
                                                        "terminationMessagePolicy",
                                                        "name",
                                                        "stdin",
                                                        "stdinOnce",
                                                        "tty",
                                                        "volumeDevices"};
constexpr std::string_view kIgnoredMetadataFields[] = {
    "labels",          "annotations",       "namespace",  "uid",
    "resourceVersion", "creationTimestamp", "generation", "managedFields",
    "ownerReferences", "finalizers",        "selfLink"};

Result<int> to_int(const MapReader& reader, std::optional<std::int64_t> value, std::string_view key,
                   std::int64_t min) {
  if (*value < min || *value > std::numeric_limits<int>::max()) {
    return fail(ErrorCode::kInvalidArgument, "{}: {}: {} is out of range",
                to_string(reader.location()), reader.child_path(key), *value);
  }
  return static_cast<int>(*value);
}

Result<std::optional<int>> optional_int(MapReader& reader, std::string_view key, std::int64_t min) {
  std::optional<std::int64_t> value;
  PIPELINE_ASSIGN(value, reader.integer(key));
  if (!value) return std::optional<int>();
  int checked = 0;
  PIPELINE_ASSIGN(checked, to_int(reader, value, key, min));
  return std::optional<int>(checked);
}

Result<std::optional<std::chrono::seconds>> optional_seconds(MapReader& reader,
                                                             std::string_view key) {
  std::optional<int> value;
  PIPELINE_ASSIGN(value, optional_int(reader, key, 0));
  if (!value) return std::optional<std::chrono::seconds>();
  return std::optional<std::chrono::seconds>(*value);
}

Result<std::chrono::milliseconds> read_duration(MapReader& reader, std::string_view key) {
  std::string text;
  PIPELINE_ASSIGN(text, reader.string_or_empty(key));
  auto parsed = parse_duration(text);
  if (!parsed) {
    return fail(parsed.error().with_context(
        fmt::format("{}: {}", to_string(reader.location()), reader.child_path(key))));
  }
  return *parsed;
}

// A YAML scalar as a JSON value the way Argo sees items: plain numbers and booleans keep their
// type, everything quoted or textual is a string; lists and maps recurse.
Result<nlohmann::json> to_json(const ReadContext& context, const YAML::Node& node,
                               const std::string& path) {
  if (node.IsNull()) return nlohmann::json();
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (node.Tag() == "?") {
      if (text == "true") return nlohmann::json(true);
      if (text == "false") return nlohmann::json(false);
      auto number = nlohmann::json::parse(text, nullptr, false);
      if (!number.is_discarded() && number.is_number()) return number;
    }
    return nlohmann::json(text);
  }
  if (node.IsSequence()) {
    nlohmann::json array = nlohmann::json::array();
    for (std::size_t i = 0; i < node.size(); ++i) {
      nlohmann::json element;
      PIPELINE_ASSIGN(element, to_json(context, node[i], fmt::format("{}[{}]", path, i)));
      array.push_back(std::move(element));
    }
    return array;
  }
  nlohmann::json object = nlohmann::json::object();
  for (const auto& entry : node) {
    nlohmann::json element;
    const std::string key = entry.first.Scalar();
    PIPELINE_ASSIGN(element, to_json(context, entry.second, path + "." + key));
    object[key] = std::move(element);
  }
  return object;
}

Result<std::string> required_name(MapReader& reader) {
  std::string name;
  PIPELINE_ASSIGN(name, reader.string_or_empty("name"));
  if (name.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: {}: missing name", to_string(reader.location()),
                reader.path());
  }
  return name;
}

Result<Parameter> read_parameter(const ReadContext& context, const YAML::Node& node,
                                 const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  Parameter parameter;
  parameter.location = reader.location();
  PIPELINE_ASSIGN(parameter.name, required_name(reader));
  PIPELINE_ASSIGN(parameter.value, reader.string("value"));
  PIPELINE_ASSIGN(parameter.default_value, reader.string("default"));
  PIPELINE_ASSIGN(parameter.enum_values, reader.strings("enum"));
  const YAML::Node value_from = reader.get("valueFrom");
  if (value_from.IsDefined()) {
    PIPELINE_OPEN(from, context, value_from, reader.child_path("valueFrom"));
    PIPELINE_ASSIGN(parameter.value_from_path, from.string("path"));
    PIPELINE_ASSIGN(parameter.value_from_parameter, from.string("parameter"));
    std::optional<std::string> fallback;
    PIPELINE_ASSIGN(fallback, from.string("default"));
    if (fallback && !parameter.default_value) parameter.default_value = std::move(fallback);
    static constexpr std::string_view kUnsupported[] = {
        "configMapKeyRef", "jsonPath", "jqFilter", "event", "expression", "supplied"};
    PIPELINE_CHECK(from.finish({}, kUnsupported));
  }
  static constexpr std::string_view kIgnored[] = {"description", "globalName"};
  PIPELINE_CHECK(reader.finish(kIgnored));
  return parameter;
}

Result<Artifact> read_artifact(const ReadContext& context, const YAML::Node& node,
                               const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  Artifact artifact;
  artifact.location = reader.location();
  PIPELINE_ASSIGN(artifact.name, required_name(reader));
  PIPELINE_ASSIGN(artifact.path, reader.string_or_empty("path"));
  PIPELINE_ASSIGN(artifact.from, reader.string_or_empty("from"));
  std::optional<bool> optional;
  PIPELINE_ASSIGN(optional, reader.boolean("optional"));
  artifact.optional = optional.value_or(false);
  static constexpr std::string_view kIgnored[] = {"mode",       "archive",     "archiveLogs",
                                                  "globalName", "recurseMode", "deleted"};
  static constexpr std::string_view kUnsupported[] = {
      "s3",  "git", "http",  "artifactory",    "gcs",     "hdfs",
      "oss", "raw", "azure", "fromExpression", "subPath", "artifactGC"};
  PIPELINE_CHECK(reader.finish(kIgnored, kUnsupported));
  return artifact;
}

Result<ParametersAndArtifacts> read_parameters_and_artifacts(const ReadContext& context,
                                                             const YAML::Node& node,
                                                             const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  ParametersAndArtifacts out;
  PIPELINE_ASSIGN(
      out.parameters,
      yaml::read_list<Parameter>(context, reader.get("parameters"), reader.child_path("parameters"),
                                 [&](const YAML::Node& n, const std::string& p) {
                                   return read_parameter(context, n, p);
                                 }));
  PIPELINE_ASSIGN(
      out.artifacts,
      yaml::read_list<Artifact>(
          context, reader.get("artifacts"), reader.child_path("artifacts"),
          [&](const YAML::Node& n, const std::string& p) { return read_artifact(context, n, p); }));
  PIPELINE_CHECK(reader.finish({}));
  return out;
}

Result<RetryPolicy> parse_retry_policy(const MapReader& reader, const std::string& text) {
  if (text.empty() || text == "OnFailure") return RetryPolicy::kOnFailure;
  if (text == "OnError") return RetryPolicy::kOnError;
  if (text == "OnTransientError") return RetryPolicy::kOnTransientError;
  if (text == "Always") return RetryPolicy::kAlways;
  return fail(ErrorCode::kInvalidArgument,
              "{}: {}: unknown retryPolicy '{}' (Always, OnFailure, OnError, OnTransientError)",
              to_string(reader.location()), reader.child_path("retryPolicy"), text);
}

Result<RetryStrategy> read_retry_strategy(const ReadContext& context, const YAML::Node& node,
                                          const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  RetryStrategy strategy;
  strategy.location = reader.location();
  PIPELINE_ASSIGN(strategy.limit, optional_int(reader, "limit", 0));
  std::string policy;
  PIPELINE_ASSIGN(policy, reader.string_or_empty("retryPolicy"));
  PIPELINE_ASSIGN(strategy.policy, parse_retry_policy(reader, policy));
  const YAML::Node backoff_node = reader.get("backoff");
  if (backoff_node.IsDefined()) {
    PIPELINE_OPEN(backoff_reader, context, backoff_node, reader.child_path("backoff"));
    Backoff backoff;
    PIPELINE_ASSIGN(backoff.duration, read_duration(backoff_reader, "duration"));
    std::optional<double> factor;
    PIPELINE_ASSIGN(factor, backoff_reader.number("factor"));
    backoff.factor = factor.value_or(1.0);
    std::optional<std::string> max_duration;
    PIPELINE_ASSIGN(max_duration, backoff_reader.string("maxDuration"));
    if (max_duration)
      PIPELINE_ASSIGN(backoff.max_duration, read_duration(backoff_reader, "maxDuration"));
    static constexpr std::string_view kIgnored[] = {"cap"};
    PIPELINE_CHECK(backoff_reader.finish(kIgnored));
    strategy.backoff = backoff;
  }
  static constexpr std::string_view kIgnored[] = {"affinity"};
  static constexpr std::string_view kUnsupported[] = {"expression"};
  PIPELINE_CHECK(reader.finish(kIgnored, kUnsupported));
  return strategy;
}

// The fields DAG tasks and steps share; the caller reads its own and calls finish().
Status read_task_call(MapReader& reader, TaskCall& call) {
  const ReadContext& context = reader.context();
  call.location = reader.location();
  PIPELINE_ASSIGN(call.name, required_name(reader));
  PIPELINE_ASSIGN(call.template_name, reader.string_or_empty("template"));
  const YAML::Node ref = reader.get("templateRef");
  if (ref.IsDefined()) {
    PIPELINE_OPEN(ref_reader, context, ref, reader.child_path("templateRef"));
    TemplateRef template_ref;
    PIPELINE_ASSIGN(template_ref.name, ref_reader.string_or_empty("name"));
    PIPELINE_ASSIGN(template_ref.template_name, ref_reader.string_or_empty("template"));
    static constexpr std::string_view kUnsupported[] = {"clusterScope"};
    PIPELINE_CHECK(ref_reader.finish({}, kUnsupported));
    call.template_ref = std::move(template_ref);
  }
  PIPELINE_ASSIGN(call.arguments, read_parameters_and_artifacts(context, reader.get("arguments"),
                                                                reader.child_path("arguments")));
  PIPELINE_ASSIGN(call.when, reader.string_or_empty("when"));
  PIPELINE_ASSIGN(
      call.with_items,
      yaml::read_list<nlohmann::json>(
          context, reader.get("withItems"), reader.child_path("withItems"),
          [&](const YAML::Node& n, const std::string& p) { return to_json(context, n, p); }));
  PIPELINE_ASSIGN(call.with_param, reader.string_or_empty("withParam"));
  const YAML::Node continue_on = reader.get("continueOn");
  if (continue_on.IsDefined()) {
    PIPELINE_OPEN(continue_reader, context, continue_on, reader.child_path("continueOn"));
    std::optional<bool> flag;
    PIPELINE_ASSIGN(flag, continue_reader.boolean("failed"));
    call.continue_on.failed = flag.value_or(false);
    PIPELINE_ASSIGN(flag, continue_reader.boolean("error"));
    call.continue_on.error = flag.value_or(false);
    PIPELINE_CHECK(continue_reader.finish({}));
  }
  PIPELINE_ASSIGN(call.on_exit, reader.string_or_empty("onExit"));
  return {};
}

constexpr std::string_view kUnsupportedCallFields[] = {"withSequence", "hooks", "inline"};

Result<DagTask> read_dag_task(const ReadContext& context, const YAML::Node& node,
                              const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  DagTask task;
  PIPELINE_CHECK(read_task_call(reader, task));
  PIPELINE_ASSIGN(task.dependencies, reader.strings("dependencies"));
  PIPELINE_ASSIGN(task.depends, reader.string_or_empty("depends"));
  PIPELINE_CHECK(reader.finish({}, kUnsupportedCallFields));
  return task;
}

Result<Step> read_step(const ReadContext& context, const YAML::Node& node,
                       const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  Step step;
  PIPELINE_CHECK(read_task_call(reader, step));
  PIPELINE_CHECK(reader.finish({}, kUnsupportedCallFields));
  return step;
}

Result<EnvVar> read_env_var(const ReadContext& context, const YAML::Node& node,
                            const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  EnvVar env;
  PIPELINE_ASSIGN(env.name, required_name(reader));
  PIPELINE_ASSIGN(env.value, reader.string_or_empty("value"));
  static constexpr std::string_view kUnsupported[] = {"valueFrom"};
  PIPELINE_CHECK(reader.finish({}, kUnsupported));
  return env;
}

Result<Container> read_container(const ReadContext& context, const YAML::Node& node,
                                 const std::string& path, bool script) {
  PIPELINE_OPEN(reader, context, node, path);
  Container container;
  container.location = reader.location();
  PIPELINE_ASSIGN(container.image, reader.string_or_empty("image"));
  if (container.image.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: {}: missing image", to_string(reader.location()),
                path);
  }
  PIPELINE_ASSIGN(container.command, reader.strings("command"));
  PIPELINE_ASSIGN(container.args, reader.strings("args"));
  PIPELINE_ASSIGN(container.env,
                  yaml::read_list<EnvVar>(context, reader.get("env"), reader.child_path("env"),
                                          [&](const YAML::Node& n, const std::string& p) {
                                            return read_env_var(context, n, p);
                                          }));
  PIPELINE_ASSIGN(container.working_dir, reader.string_or_empty("workingDir"));
  if (script) PIPELINE_ASSIGN(container.source, reader.string_or_empty("source"));
  static constexpr std::string_view kUnsupported[] = {"envFrom"};
  PIPELINE_CHECK(reader.finish(kIgnoredContainerFields, kUnsupported));
  return container;
}

Status read_dag(const ReadContext& context, const YAML::Node& node, const std::string& path,
                Template& out) {
  PIPELINE_OPEN(reader, context, node, path);
  PIPELINE_ASSIGN(out.dag_tasks,
                  yaml::read_list<DagTask>(context, reader.get("tasks"), reader.child_path("tasks"),
                                           [&](const YAML::Node& n, const std::string& p) {
                                             return read_dag_task(context, n, p);
                                           }));
  std::optional<bool> fail_fast;
  PIPELINE_ASSIGN(fail_fast, reader.boolean("failFast"));
  if (fail_fast) out.fail_fast = fail_fast;
  static constexpr std::string_view kUnsupported[] = {"target"};
  return reader.finish({}, kUnsupported);
}

Result<StepGroup> read_step_group(const ReadContext& context, const YAML::Node& node,
                                  const std::string& path) {
  return yaml::read_list<Step>(context, node, path, [&](const YAML::Node& n, const std::string& p) {
    return read_step(context, n, p);
  });
}

Result<Template> read_template(const ReadContext& context, const YAML::Node& node,
                               const std::string& path) {
  PIPELINE_OPEN(reader, context, node, path);
  Template tmpl;
  tmpl.location = reader.location();
  PIPELINE_ASSIGN(tmpl.name, required_name(reader));
  PIPELINE_ASSIGN(tmpl.inputs, read_parameters_and_artifacts(context, reader.get("inputs"),
                                                             reader.child_path("inputs")));
  PIPELINE_ASSIGN(tmpl.outputs, read_parameters_and_artifacts(context, reader.get("outputs"),
                                                              reader.child_path("outputs")));
  const YAML::Node container = reader.get("container");
  const YAML::Node script = reader.get("script");
  const YAML::Node dag = reader.get("dag");
  const YAML::Node steps = reader.get("steps");
  const int bodies =
      container.IsDefined() + script.IsDefined() + dag.IsDefined() + steps.IsDefined();
  if (bodies != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: {}: template '{}' needs exactly one of container, script, dag, steps",
                to_string(tmpl.location), path, tmpl.name);
  }
  if (container.IsDefined()) {
    tmpl.kind = TemplateKind::kContainer;
    PIPELINE_ASSIGN(tmpl.container,
                    read_container(context, container, reader.child_path("container"), false));
  } else if (script.IsDefined()) {
    tmpl.kind = TemplateKind::kScript;
    PIPELINE_ASSIGN(tmpl.container,
                    read_container(context, script, reader.child_path("script"), true));
  } else if (dag.IsDefined()) {
    tmpl.kind = TemplateKind::kDag;
    PIPELINE_CHECK(read_dag(context, dag, reader.child_path("dag"), tmpl));
  } else {
    tmpl.kind = TemplateKind::kSteps;
    PIPELINE_ASSIGN(tmpl.steps,
                    yaml::read_list<StepGroup>(context, steps, reader.child_path("steps"),
                                               [&](const YAML::Node& n, const std::string& p) {
                                                 return read_step_group(context, n, p);
                                               }));
  }
  const YAML::Node retry = reader.get("retryStrategy");
  if (retry.IsDefined()) {
    PIPELINE_ASSIGN(tmpl.retry_strategy,
                    read_retry_strategy(context, retry, reader.child_path("retryStrategy")));
  }
  PIPELINE_ASSIGN(tmpl.active_deadline, optional_seconds(reader, "activeDeadlineSeconds"));
  PIPELINE_ASSIGN(tmpl.parallelism, optional_int(reader, "parallelism", 1));
  std::optional<bool> fail_fast;
  PIPELINE_ASSIGN(fail_fast, reader.boolean("failFast"));
  if (fail_fast) tmpl.fail_fast = fail_fast;
  PIPELINE_CHECK(reader.finish(kIgnoredTemplateFields, kUnsupportedTemplateFields));
  return tmpl;
}

Status read_metadata(const ReadContext& context, const YAML::Node& node, Workflow& workflow) {
  PIPELINE_OPEN(reader, context, node, "metadata");
  PIPELINE_ASSIGN(workflow.name, reader.string_or_empty("name"));
  PIPELINE_ASSIGN(workflow.generate_name, reader.string_or_empty("generateName"));
  if (workflow.name.empty() && workflow.generate_name.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: metadata: needs name or generateName",
                to_string(reader.location()));
  }
  return reader.finish(kIgnoredMetadataFields);
}

// A Workflow's `spec`, or a CronWorkflow's `spec.workflowSpec` (`path`).
Status read_spec(const ReadContext& context, const YAML::Node& node, const std::string& path,
                 Workflow& workflow) {
  PIPELINE_OPEN(reader, context, node, path);
  PIPELINE_ASSIGN(workflow.entrypoint, reader.string_or_empty("entrypoint"));
  PIPELINE_ASSIGN(workflow.arguments,
                  read_parameters_and_artifacts(context, reader.get("arguments"),
                                                reader.child_path("arguments")));
  PIPELINE_ASSIGN(
      workflow.templates,
      yaml::read_list<Template>(
          context, reader.get("templates"), reader.child_path("templates"),
          [&](const YAML::Node& n, const std::string& p) { return read_template(context, n, p); }));
  PIPELINE_ASSIGN(workflow.on_exit, reader.string_or_empty("onExit"));
  PIPELINE_ASSIGN(workflow.parallelism, optional_int(reader, "parallelism", 1));
  PIPELINE_ASSIGN(workflow.active_deadline, optional_seconds(reader, "activeDeadlineSeconds"));
  return reader.finish(kIgnoredSpecFields, kUnsupportedSpecFields);
}

Result<ConcurrencyPolicy> parse_concurrency_policy(const MapReader& reader,
                                                   const std::string& text) {
  if (text.empty() || text == "Allow") return ConcurrencyPolicy::kAllow;
  if (text == "Forbid") return ConcurrencyPolicy::kForbid;
  if (text == "Replace") return ConcurrencyPolicy::kReplace;
  return fail(ErrorCode::kInvalidArgument,
              "{}: {}: unknown concurrencyPolicy '{}' (Allow, Forbid, Replace)",
              to_string(reader.location()), reader.child_path("concurrencyPolicy"), text);
}

Result<std::vector<CronScheduleText>> read_schedules(MapReader& reader) {
  const ReadContext& context = reader.context();
  const YAML::Node single = reader.get("schedule");
  const YAML::Node list = reader.get("schedules");
  if (single.IsDefined() && list.IsDefined()) {
    return fail(ErrorCode::kInvalidArgument, "{}: spec: set schedules or schedule, not both",
                to_string(reader.location()));
  }
  auto read_one = [&](const YAML::Node& n, const std::string& p) -> Result<CronScheduleText> {
    auto text = yaml::scalar_text(context, n, p);
    if (!text) return fail(text.error());
    return CronScheduleText{std::move(*text), yaml::location_of(context, n)};
  };
  std::vector<CronScheduleText> schedules;
  if (single.IsDefined()) {
    CronScheduleText one;
    PIPELINE_ASSIGN(one, read_one(single, reader.child_path("schedule")));
    schedules.push_back(std::move(one));
  } else {
    PIPELINE_ASSIGN(schedules, yaml::read_list<CronScheduleText>(
                                   context, list, reader.child_path("schedules"), read_one));
  }
  if (schedules.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: spec.schedules: needs at least one schedule",
                to_string(reader.location()));
  }
  return schedules;
}

// A CronWorkflow's spec: the cron options, and workflowSpec read as the Workflow itself.
Status read_cron_spec(const ReadContext& context, const YAML::Node& node, Workflow& workflow) {
  PIPELINE_OPEN(reader, context, node, "spec");
  CronOptions cron;
  cron.location = reader.location();
  PIPELINE_ASSIGN(cron.schedules, read_schedules(reader));
  cron.timezone_location = yaml::location_of(context, reader.get("timezone"));
  PIPELINE_ASSIGN(cron.timezone, reader.string_or_empty("timezone"));
  std::string policy;
  PIPELINE_ASSIGN(policy, reader.string_or_empty("concurrencyPolicy"));
  PIPELINE_ASSIGN(cron.concurrency_policy, parse_concurrency_policy(reader, policy));
  PIPELINE_ASSIGN(cron.starting_deadline, optional_seconds(reader, "startingDeadlineSeconds"));
  std::optional<bool> suspend;
  PIPELINE_ASSIGN(suspend, reader.boolean("suspend"));
  cron.suspend = suspend.value_or(false);
  std::optional<int> limit;
  PIPELINE_ASSIGN(limit, optional_int(reader, "successfulJobsHistoryLimit", 0));
  cron.successful_jobs_history_limit = limit.value_or(cron.successful_jobs_history_limit);
  PIPELINE_ASSIGN(limit, optional_int(reader, "failedJobsHistoryLimit", 0));
  cron.failed_jobs_history_limit = limit.value_or(cron.failed_jobs_history_limit);
  const YAML::Node spec = reader.get("workflowSpec");
  if (!spec.IsDefined()) {
    return fail(ErrorCode::kInvalidArgument, "{}: spec.workflowSpec is missing",
                to_string(reader.location()));
  }
  PIPELINE_CHECK(read_spec(context, spec, "spec.workflowSpec", workflow));
  if (workflow.name.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: metadata.name: a CronWorkflow needs a name",
                to_string(workflow.location));
  }
  workflow.cron = std::move(cron);
  static constexpr std::string_view kIgnored[] = {"workflowMetadata"};
  static constexpr std::string_view kUnsupported[] = {"stopStrategy", "when"};
  return reader.finish(kIgnored, kUnsupported);
}

// "Workflow", "WorkflowTemplate" or "CronWorkflow".
Result<std::string> read_kind(const ReadContext& context, MapReader& root) {
  std::optional<std::string> api_version;
  PIPELINE_ASSIGN(api_version, root.string("apiVersion"));
  if (api_version != kApiVersion) {
    return fail(yaml::error_at(
        context, root.get("apiVersion"), "apiVersion",
        fmt::format("expected {}, got '{}'", kApiVersion, api_version.value_or(""))));
  }
  std::string kind;
  PIPELINE_ASSIGN(kind, root.string_or_empty("kind"));
  if (kind == "Workflow" || kind == "WorkflowTemplate" || kind == "CronWorkflow") return kind;
  return fail(yaml::error_at(
      context, root.get("kind"), "kind",
      fmt::format("expected Workflow, WorkflowTemplate or CronWorkflow, got '{}'", kind)));
}

Result<Workflow> read_document(const YAML::Node& document, std::string_view file_name) {
  Workflow workflow;
  ReadContext context{std::string(file_name), &workflow.ignored};
  workflow.location = yaml::location_of(context, document);
  PIPELINE_OPEN(root, context, document, "");
  std::string kind;
  PIPELINE_ASSIGN(kind, read_kind(context, root));
  workflow.kind =
      kind == "WorkflowTemplate" ? DocumentKind::kWorkflowTemplate : DocumentKind::kWorkflow;
  PIPELINE_CHECK(read_metadata(context, root.get("metadata"), workflow));
  if (kind == "CronWorkflow") {
    PIPELINE_CHECK(read_cron_spec(context, root.get("spec"), workflow));
  } else {
    PIPELINE_CHECK(read_spec(context, root.get("spec"), "spec", workflow));
  }
  static constexpr std::string_view kIgnored[] = {"status"};
  PIPELINE_CHECK(root.finish(kIgnored));
  // Not YAML::Dump: it drops the quotes of "true" or "3", which would turn them into a boolean
  // and a number when the text is read again (by export or a retry).
  workflow.source_yaml = json_to_yaml(yaml_to_json(document));
  return workflow;
}

#undef PIPELINE_OPEN
#undef PIPELINE_CHECK
#undef PIPELINE_ASSIGN

// yaml-cpp 0.7's LoadAll never returns on a ',' where a document's node should start (", a",
// "[a]\n, x"): its parser keeps reporting empty documents without consuming the token. A text
// holds at most one document more than it has lines starting with "---" or "...", so counting
// the documents first with the event parser turns that into an error instead of a hang.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    ++documents;
    start = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::size_t documents = 0;
  YAML::Mark start;
};

Status check_document_count(const std::string& text, std::string_view file_name) {
  std::size_t most = 1;
  for (std::size_t at = 0; at < text.size();) {
    const std::string_view line = std::string_view(text).substr(at, 3);
    if (line == "---" || line == "...") ++most;
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentCounter counter;
  while (parser.HandleNextDocument(counter)) {
    if (counter.documents > most) {
      return fail(ErrorCode::kInvalidArgument, "{}:{}:{}: YAML error: unexpected ','", file_name,
                  counter.start.line + 1, counter.start.column + 1);
    }
  }
  return {};
}

}  // namespace

Result<std::vector<Workflow>> parse_workflow_documents(std::string_view text,
                                                       std::string_view file_name) {
  try {
    const std::string owned(text);
    if (auto status = check_document_count(owned, file_name); !status) return fail(status.error());
    std::vector<Workflow> out;
    for (const YAML::Node& document : YAML::LoadAll(owned)) {
      if (!document.IsDefined() || document.IsNull()) continue;
      auto workflow = read_document(document, file_name);
      if (!workflow) return fail(workflow.error());
      out.push_back(std::move(*workflow));
    }
    if (out.empty()) return fail(ErrorCode::kInvalidArgument, "{}: no documents", file_name);
    return out;
  } catch (const YAML::Exception& e) {
    // Syntax errors carry a 0-based mark; yaml-cpp's what() repeats it, so use msg.
    if (e.mark.is_null()) return fail(ErrorCode::kInvalidArgument, "{}: {}", file_name, e.msg);
    return fail(ErrorCode::kInvalidArgument, "{}:{}:{}: YAML error: {}", file_name, e.mark.line + 1,
                e.mark.column + 1, e.msg);
  }
}

Result<std::vector<Workflow>> read_workflow_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error());
  return parse_workflow_documents(*text, path.string());
}

}  // namespace aiotops::pipeline
