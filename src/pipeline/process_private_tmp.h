#pragma once
// Starting a node's process with a private /tmp: Argo's examples write fixed paths such as
// /tmp/num from parallel pods, each of which has its own /tmp. On the host the child enters a
// new mount namespace (inside a new user namespace when aiotops is not root) and bind-mounts the
// node's own directory over /tmp before exec. Used by ProcessGroup::spawn when
// ProcessSpec::private_tmp is set; posix_spawn cannot do this, so this path forks.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"

namespace aiotops::pipeline {

struct ProcessSpec;

// Forks, and in the child: becomes a process group leader, resets signals, gets the private
// /tmp, connects stdin to /dev/null and stdout/stderr to `out_fd`/`err_fd`, changes to
// spec.work_dir and execs. Returns the child's pid once exec has succeeded. Fails (the child
// reaped) with kNotFound when the program cannot be run, kPermissionDenied when namespaces are
// not allowed here (naming the step that failed), kIo otherwise.
Result<pid_t> spawn_with_private_tmp(const ProcessSpec& spec, int out_fd, int err_fd);

}  // namespace aiotops::pipeline
