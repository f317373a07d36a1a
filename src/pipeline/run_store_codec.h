#pragma once
// Text forms of run store fields: phases as Argo spells them, name/value lists as JSON arrays of
// {"name","value"} objects (Argo's shape for parameters), and the owner identity of a process.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "pipeline/run_store.h"

namespace aiotops::pipeline {

// `[{"name": ..., "value": ...}, ...]`, in order.
std::string encode_named_values(const NamedValues& values);
// The inverse; kCorrupt naming `field` when the text is not such an array.
Result<NamedValues> decode_named_values(std::string_view text, std::string_view field);

// A process's start time in clock ticks since boot (/proc/<pid>/stat field 22): with the pid it
// identifies a process even after its pid is reused. nullopt when the process does not exist.
std::optional<int64_t> process_start_ticks(pid_t pid);

}  // namespace aiotops::pipeline
