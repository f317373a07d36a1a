#pragma once
// Running the aiotops binary from a cross-process test (header-only, test use only): exit code,
// stdout and stderr of one invocation.

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "common/files.h"

namespace aiotops::testing {

struct CliOutcome {
  int exit_code = -1;      // -1 when the process did not exit normally
  bool timed_out = false;  // killed by the timeout given to run_cli
  std::string out;
  std::string err;
};

// Runs `<binary> <arguments>` through the shell (`arguments` is a shell fragment: paths must not
// need quoting); stderr goes through a file in `scratch_dir` (one call at a time per directory).
// A positive `timeout` kills the process after that long (coreutils' timeout: TERM, then KILL
// 5 s later) and sets timed_out.
inline CliOutcome run_cli(const std::string& binary, const std::string& arguments,
                          const std::filesystem::path& scratch_dir,
                          std::chrono::seconds timeout = std::chrono::seconds(0)) {
  const std::filesystem::path err = scratch_dir / "stderr.txt";
  const std::string limit =
      timeout.count() > 0 ? fmt::format("timeout -k 5 {} ", timeout.count()) : std::string();
  const std::string command = fmt::format("{}{} {} 2>{}", limit, binary, arguments, err.string());
  CliOutcome outcome;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return outcome;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) outcome.out.append(buffer, n);
  const int status = pclose(pipe.release());
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  // timeout(1) exits 124 after TERM, 137 (128 + KILL) when the process ignored it.
  outcome.timed_out = timeout.count() > 0 && (outcome.exit_code == 124 || outcome.exit_code == 137);
  outcome.err = read_file(err).value_or("");
  return outcome;
}

}  // namespace aiotops::testing
