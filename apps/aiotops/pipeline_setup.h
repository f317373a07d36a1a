#pragma once
// What `pipeline run` and `pipeline schedule` set up alike: the run store of --state-dir, the
// executor's image map and aiotops binary (built-in steps run as this very binary), -p values.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "pipeline/executor.h"
#include "pipeline/image_map.h"
#include "pipeline/run_store.h"

namespace aiotops::cli {

// The run store in `state_dir`, or in the default state directory ($XDG_STATE_HOME/aiotops or
// ~/.local/state/aiotops) when it is empty. Errors as RunStore::open.
Result<std::unique_ptr<pipeline::RunStore>> open_run_store(const std::string& state_dir);

// Loads `image_map_path` (empty: built-in entries only) into `images` and points `options` at it
// and at this process's binary for built-in steps. `images` must outlive the run. Errors of
// ImageMap::load; kInternal when /proc/self/exe cannot be read.
Status configure_images(pipeline::ExecutorOptions& options, const std::string& image_map_path,
                        std::optional<pipeline::ImageMap>& images);

// `-p NAME=VALUE` texts as (name, value) pairs, in order; kInvalidArgument naming a text without
// '=' or without a name.
Result<pipeline::NamedValues> parse_parameters(const std::vector<std::string>& texts);

}  // namespace aiotops::cli
