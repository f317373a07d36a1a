#pragma once
// The typed model of Argo Workflow, WorkflowTemplate and CronWorkflow documents
// (argoproj.io/v1alpha1), the subset aiotops runs locally. Produced by yaml_reader.h, checked by
// validate.h, executed by the executor. Every element carries the file and line it came from, so
// errors can point at it. Plain values: copyable, no invariants beyond what validate() checks; not
// synchronised.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiotops::pipeline {

// Where an element was written: 1-based line and column; file as given to the reader.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// "file:line" (or "file" when the line is unknown), the prefix of every error message.
std::string to_string(const SourceLocation& location);

// A field that means nothing on one host (securityContext, nodeSelector, resources, ...): kept
// verbatim for export and reported once as ignored.
struct IgnoredField {
  std::string path;  // dotted, from the document root, e.g. "spec.templates[1].nodeSelector"
  std::string yaml;  // the field's value, re-emitted as YAML
  SourceLocation location;
};

struct Parameter {
  std::string name;
  std::optional<std::string> value;  // arguments and inputs: a literal, may hold {{...}}
  std::optional<std::string> default_value;
  std::vector<std::string> enum_values;  // allowed values; empty = any
  // Outputs only: where the value comes from after the node ran.
  std::optional<std::string> value_from_path;       // a file the node wrote
  std::optional<std::string> value_from_parameter;  // DAG/steps outputs: "{{tasks.x.outputs...}}"
  SourceLocation location;
};

// Artifacts are local files: `path` inside the node's working directory, `from` a reference to
// another node's output artifact ("{{tasks.x.outputs.artifacts.y}}").
struct Artifact {
  std::string name;
  std::string path;
  std::string from;
  bool optional = false;
  SourceLocation location;
};

// Used for workflow and task arguments, template inputs and template outputs alike.
struct ParametersAndArtifacts {
  std::vector<Parameter> parameters;
  std::vector<Artifact> artifacts;

  const Parameter* find_parameter(std::string_view name) const;
  const Artifact* find_artifact(std::string_view name) const;
};

enum class RetryPolicy { kOnFailure, kOnError, kOnTransientError, kAlways };
std::string_view to_string(RetryPolicy policy);

struct Backoff {
  std::chrono::milliseconds duration{0};  // wait before the first retry (Argo's "duration")
  double factor = 1.0;                    // each further wait is the previous one times this
  std::optional<std::chrono::milliseconds> max_duration;  // no retry starts after this
};

struct RetryStrategy {
  std::optional<int> limit;  // retries after the first attempt; unset = unlimited (as Argo)
  RetryPolicy policy = RetryPolicy::kOnFailure;  // Argo's default
  std::optional<Backoff> backoff;
  SourceLocation location;
};

struct ContinueOn {
  bool failed = false;
  bool error = false;
};

struct TemplateRef {
  std::string name;  // the WorkflowTemplate's metadata.name
  std::string template_name;
};

// The fields a DAG task and a steps step share: which template to call, with what, how often.
struct TaskCall {
  std::string name;
  std::string template_name;                // empty when template_ref is set
  std::optional<TemplateRef> template_ref;  // resolved through TemplateLibrary
  ParametersAndArtifacts arguments;
  std::string when;                        // condition text, may hold {{...}}; empty = always
  std::vector<nlohmann::json> with_items;  // scalars or maps, in file order
  std::string with_param;                  // text that must substitute to a JSON list; empty = none
  ContinueOn continue_on;
  std::string on_exit;  // template name run after this task finishes; empty = none
  SourceLocation location;

  bool fans_out() const { return !with_items.empty() || !with_param.empty(); }
};

struct DagTask : TaskCall {
  std::vector<std::string> dependencies;  // legacy list; each means `name` (see depends.h)
  std::string depends;                    // enhanced expression; mutually exclusive with the list
};

// A steps template is a list of groups; the steps of one group run in parallel, the groups in
// order.
using Step = TaskCall;
using StepGroup = std::vector<Step>;

struct EnvVar {
  std::string name;
  std::string value;
};

// container and script templates: what to run. `source` is set for script templates only.
struct Container {
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<EnvVar> env;
  std::string working_dir;
  std::string source;
  SourceLocation location;
};

enum class TemplateKind { kContainer, kScript, kDag, kSteps };
std::string_view to_string(TemplateKind kind);

struct Template {
  std::string name;
  TemplateKind kind = TemplateKind::kContainer;
  ParametersAndArtifacts inputs;
  ParametersAndArtifacts outputs;
  Container container;             // kContainer and kScript
  std::vector<DagTask> dag_tasks;  // kDag
  std::vector<StepGroup> steps;    // kSteps
  std::optional<bool> fail_fast;   // dag.failFast or the template's failFast; unset = true
  std::optional<int> parallelism;  // max nodes of this template running at once
  std::optional<std::chrono::seconds> active_deadline;
  std::optional<RetryStrategy> retry_strategy;
  SourceLocation location;

  const DagTask* find_task(std::string_view task_name) const;
};

enum class DocumentKind { kWorkflow, kWorkflowTemplate };
std::string_view to_string(DocumentKind kind);

// What a CronWorkflow does when a schedule comes while runs it started are still running.
enum class ConcurrencyPolicy { kAllow, kForbid, kReplace };
std::string_view to_string(ConcurrencyPolicy policy);

struct CronScheduleText {
  std::string text;  // a cron expression as written; parsed by the scheduler (src/schedule)
  SourceLocation location;
};

// The cron part of a CronWorkflow's spec (its spec.workflowSpec is the Workflow around it).
struct CronOptions {
  std::vector<CronScheduleText> schedules;  // spec.schedules, or the older spec.schedule
  std::string timezone;                     // IANA name; empty = the host's zone (as Argo)
  SourceLocation timezone_location;
  ConcurrencyPolicy concurrency_policy = ConcurrencyPolicy::kAllow;
  // A schedule missed while nothing ran still runs when at most this late; unset or 0: skipped.
  std::optional<std::chrono::seconds> starting_deadline;
  bool suspend = false;
  int successful_jobs_history_limit = 3;  // finished runs kept; Argo's defaults
  int failed_jobs_history_limit = 1;
  SourceLocation location;
};

// One Argo document: a Workflow or a WorkflowTemplate (same spec shape).
struct Workflow {
  DocumentKind kind = DocumentKind::kWorkflow;
  std::string name;           // metadata.name
  std::string generate_name;  // metadata.generateName (a prefix)
  std::string entrypoint;
  ParametersAndArtifacts arguments;  // spec.arguments
  std::vector<Template> templates;
  std::string on_exit;             // workflow exit handler template; empty = none
  std::optional<int> parallelism;  // max pods (here: leaf nodes) running at once
  std::optional<std::chrono::seconds> active_deadline;
  std::vector<IgnoredField> ignored;  // everywhere in the document, in file order
  std::string source_yaml;            // the document as written, for export
  // Set for a CronWorkflow, whose spec.workflowSpec is read as this Workflow (kind kWorkflow).
  std::optional<CronOptions> cron;
  SourceLocation location;

  const Template* find_template(std::string_view template_name) const;
  // metadata.name, else generateName without its trailing '-', else "workflow".
  std::string display_name() const;
};

}  // namespace aiotops::pipeline
