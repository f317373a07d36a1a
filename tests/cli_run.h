#pragma once
// Running the aiotops binary from a cross-process test (header-only, test use only): exit code,
// stdout and stderr of one invocation.

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "common/files.h"

namespace aiotops::testing {

struct CliOutcome {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;
};

// Runs `<binary> <arguments>` through the shell (`arguments` is a shell fragment: paths must not
// need quoting); stderr goes through a file in `scratch_dir`.
inline CliOutcome run_cli(const std::string& binary, const std::string& arguments,
                          const std::filesystem::path& scratch_dir) {
  const std::filesystem::path err = scratch_dir / "stderr.txt";
  const std::string command = fmt::format("{} {} 2>{}", binary, arguments, err.string());
  CliOutcome outcome;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return outcome;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) outcome.out.append(buffer, n);
  const int status = pclose(pipe.release());
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.err = read_file(err).value_or("");
  return outcome;
}

}  // namespace aiotops::testing
