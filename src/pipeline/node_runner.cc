#include "pipeline/node_runner.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/files.h"
#include "pipeline/process_group.h"

extern char** environ;

namespace aiotops::pipeline {
namespace {

namespace fs = std::filesystem;

// The base environment with the node's variables added or replacing same-named entries.
std::vector<std::string> node_environment(const NamedValues& env, bool inherit) {
  std::vector<std::string> result;
  auto overridden = [&env](std::string_view entry) {
    const std::string_view name = entry.substr(0, entry.find('='));
    for (const auto& [key, value] : env) {
      if (key == name) return true;
    }
    return false;
  };
  if (inherit) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!overridden(*entry)) result.emplace_back(*entry);
    }
  }
  for (const auto& [key, value] : env) result.push_back(key + "=" + value);
  return result;
}

// The last `limit` bytes of a file (the whole file when smaller), and whether it was longer.
struct Tail {
  std::string bytes;
  bool truncated = false;
};

Result<Tail> read_tail(const fs::path& path, size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const ErrorCode code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
    return fail(code, "{}: {}", path.string(), std::strerror(errno));
  }
  struct stat info {};
  Tail tail;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    const auto size = static_cast<size_t>(info.st_size);
    tail.truncated = size > limit;
    const size_t keep = std::min(size, limit);
    tail.bytes.resize(keep);
    size_t done = 0;
    while (done < keep) {
      const ssize_t n = ::pread(fd, tail.bytes.data() + done, keep - done,
                                static_cast<off_t>(size - keep + done));
      if (n <= 0) break;  // the file shrank (or a read error): keep what was read
      done += static_cast<size_t>(n);
    }
    tail.bytes.resize(done);
  }
  ::close(fd);
  return tail;
}

// Argo trims one trailing newline from results and parameter files for convenience.
std::string without_trailing_newline(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Fills outcome.output_parameters; returns the first problem as a message (empty when none).
std::string read_output_parameters(const NodeRunSpec& spec, size_t limit, NodeOutcome& outcome) {
  std::string problem;
  for (const OutputParameterSpec& parameter : spec.output_parameters) {
    const fs::path path = node_host_path(spec, parameter.path);
    auto tail = read_tail(path, limit);
    std::string why;
    if (tail && tail->truncated) {
      why = fmt::format("file {} is larger than {} bytes", path.string(), limit);
    } else if (!tail && tail.error().code() == ErrorCode::kNotFound) {
      if (parameter.default_value) {
        outcome.output_parameters.emplace_back(parameter.name, *parameter.default_value);
        continue;
      }
      why = fmt::format("file {} does not exist (and there is no default)", parameter.path);
    } else if (!tail) {
      why = tail.error().message();
    } else {
      outcome.output_parameters.emplace_back(parameter.name,
                                             without_trailing_newline(std::move(tail->bytes)));
      continue;
    }
    if (problem.empty()) problem = fmt::format("output parameter '{}': {}", parameter.name, why);
  }
  return problem;
}

std::string ended_message(const ProcessEnd& end, const NodeOutcome& outcome,
                          const NodeRunSpec& spec) {
  if (end.reason == ProcessEnd::Reason::kCancelled) return "Stopped: the run was cancelled";
  if (end.reason == ProcessEnd::Reason::kDeadline) {
    return fmt::format("Step exceeded its deadline (activeDeadlineSeconds: {}s)",
                       std::chrono::duration<double>(spec.active_deadline).count());
  }
  if (end.signal != 0) {
    return fmt::format("Error (exit code {}): killed by signal {} ({})", *outcome.exit_code,
                       end.signal, sigdescr_np(end.signal));
  }
  return fmt::format("Error (exit code {})", end.exit_code);
}

Status copy_input_files(const NodeRunSpec& spec) {
  for (const auto& file : spec.input_files) {
    const fs::path target = node_host_path(spec, file.path);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (!ec) fs::copy(file.source, target, fs::copy_options::recursive, ec);
    if (ec) {
      return fail(ErrorCode::kNotFound, "input artifact {} -> {}: {}", file.source.string(),
                  file.path, ec.message());
    }
  }
  return {};
}

Status prepare_node_dir(const NodeRunSpec& spec, NodeOutcome& outcome) {
  std::error_code ec;
  fs::create_directories(spec.node_dir.parent_path(), ec);
  if (ec) {
    return fail(ErrorCode::kIo, "create {}: {}", spec.node_dir.parent_path().string(),
                ec.message());
  }
  if (!fs::create_directory(spec.node_dir, ec)) {
    if (ec) return fail(ErrorCode::kIo, "create {}: {}", spec.node_dir.string(), ec.message());
    return fail(ErrorCode::kAlreadyExists, "node directory {} already exists",
                spec.node_dir.string());
  }
  outcome.work_dir = spec.node_dir / "work";
  outcome.stdout_path = spec.node_dir / "stdout";
  outcome.stderr_path = spec.node_dir / "stderr";
  if (!fs::create_directory(outcome.work_dir, ec)) {
    return fail(ErrorCode::kIo, "create {}: {}", outcome.work_dir.string(), ec.message());
  }
  // The node's /tmp exists before it starts (input files are copied into it).
  if (spec.private_tmp && !fs::create_directory(spec.node_dir / "tmp", ec)) {
    return fail(ErrorCode::kIo, "create {}: {}", (spec.node_dir / "tmp").string(), ec.message());
  }
  return {};
}

}  // namespace

Result<NodeOutcome> NodeRunner::run(const NodeRunSpec& spec, const CancelToken* cancel) const {
  NodeOutcome outcome;
  if (cancel != nullptr && cancel->cancelled()) {
    outcome.phase = NodePhase::kFailed;
    outcome.cancelled = true;
    outcome.message = "Stopped: the run was cancelled";
    return outcome;
  }
  if (spec.command.empty()) {
    return fail(ErrorCode::kInvalidArgument, "node {}: no command to run", spec.node_name);
  }
  if (auto s = prepare_node_dir(spec, outcome); !s) return fail(s.error());
  if (auto s = copy_input_files(spec); !s) {
    outcome.phase = NodePhase::kError;
    outcome.message = s.error().message();
    return outcome;
  }

  ProcessSpec process;
  process.argv = spec.command;
  process.argv.insert(process.argv.end(), spec.args.begin(), spec.args.end());
  if (spec.script_source) {
    const fs::path script = spec.node_dir / "script";
    if (auto s = write_file_atomic(script, *spec.script_source); !s) return fail(s.error());
    // With a private /tmp the node dir may be hidden (a state dir under the host's /tmp), but
    // the working directory stays reachable, so the script is named relative to it.
    process.argv.push_back(spec.private_tmp && spec.tmp_namespace ? "../script" : script.string());
  }
  process.env = node_environment(spec.env, options_.inherit_environment);
  process.work_dir = outcome.work_dir;
  process.stdout_path = outcome.stdout_path;
  process.stderr_path = outcome.stderr_path;
  if (spec.private_tmp && spec.tmp_namespace) process.private_tmp = spec.node_dir / "tmp";

  auto group = ProcessGroup::spawn(process);
  if (!group && group.error().code() == ErrorCode::kNotFound) {
    outcome.phase = NodePhase::kError;
    outcome.message = group.error().message();
    return outcome;
  }
  if (!group) return fail(group.error().with_context(fmt::format("node {}", spec.node_name)));
  auto end = group->wait(
      {.deadline = spec.active_deadline, .grace = options_.kill_grace, .cancel = cancel});
  if (!end) return fail(end.error().with_context(fmt::format("node {}", spec.node_name)));

  outcome.signal = end->signal;
  outcome.exit_code = end->signal != 0 ? 128 + end->signal : end->exit_code;
  outcome.timed_out = end->reason == ProcessEnd::Reason::kDeadline;
  outcome.cancelled = end->reason == ProcessEnd::Reason::kCancelled;
  const bool succeeded = end->reason == ProcessEnd::Reason::kExited && end->exit_code == 0;
  outcome.phase = succeeded ? NodePhase::kSucceeded : NodePhase::kFailed;
  if (!succeeded) outcome.message = ended_message(*end, outcome, spec);

  auto stdout_tail = read_tail(outcome.stdout_path, options_.result_limit_bytes);
  if (!stdout_tail) return fail(stdout_tail.error());
  outcome.result = without_trailing_newline(std::move(stdout_tail->bytes));
  outcome.result_truncated = stdout_tail->truncated;

  // Outputs are collected whatever the outcome (they help to debug a failure), but only a
  // node that otherwise succeeded turns into an Error over a missing one.
  std::string problem = read_output_parameters(spec, options_.result_limit_bytes, outcome);
  if (succeeded && !problem.empty()) {
    outcome.phase = NodePhase::kError;
    outcome.message = std::move(problem);
  }
  return outcome;
}

fs::path node_host_path(const NodeRunSpec& spec, std::string_view path) {
  const fs::path seen = fs::path(path).lexically_normal();
  if (seen.is_relative()) return spec.node_dir / "work" / seen;
  if (spec.private_tmp) {
    auto part = seen.begin();
    if (++part != seen.end() && *part == "tmp") {
      fs::path inside = spec.node_dir / "tmp";
      for (++part; part != seen.end(); ++part) inside /= *part;
      return inside;
    }
  }
  return seen;
}

}  // namespace aiotops::pipeline
