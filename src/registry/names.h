#pragma once
// Validation of the names clients choose: artifact names (datasets, models), alias names,
// device ids and labels. They end up in URLs, log lines and SQL parameters (never in file
// paths: blobs are named by hash), but we refuse anything that could be mistaken for a path.

#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace aiotops::registry {

inline constexpr size_t kMaxNameLength = 128;  // bytes, for every kind of name below

// A dataset or model name: 1..kMaxNameLength bytes of [A-Za-z0-9._-], not starting with '.'
// (so never ".." or a hidden-file name). `what` names the field in the error ("model name").
// Fails with kInvalidArgument naming the field and the offending byte. Thread-safe.
Status validate_name(std::string_view name, std::string_view what);

// An alias: 1..kMaxNameLength bytes of [a-z0-9._-], not starting with '.', and not all digits
// (a number is a version, so "3" could never be told apart from version 3), and not "latest"
// (which always means the newest version). Fails with
// kInvalidArgument. Thread-safe.
Status validate_alias(std::string_view alias);

// A device id: like validate_name but ':' is also allowed (MAC addresses). Fails with
// kInvalidArgument. Thread-safe.
Status validate_device_id(std::string_view id);

// A free-text value stored as given (label values, pipeline run ids, actors, descriptions):
// at most kMaxNameLength * 4 bytes, no control characters. Fails with kInvalidArgument naming
// `what`. Thread-safe.
Status validate_text(std::string_view text, std::string_view what);

// A version number in a URL: the decimal digits of a positive integer ("3"; "03" reads as 3).
// kInvalidArgument naming `what` otherwise. Thread-safe.
Result<int64_t> parse_version_number(std::string_view text, std::string_view what);

}  // namespace aiotops::registry
