#pragma once
// The image map: which container images are aiotops built-in steps and which run on the host,
// and with what command. Entries come from a YAML file (`--image-map FILE`), checked first in
// file order, then the built-in images of builtin_images.h (the reference's module images
// …/extract_module:…, …/validation_module:…, …/training-module:…, …/quantize-module:… are the
// built-in steps extract, validate, train and quantize, whatever registry and tag). An image
// no entry matches runs its template's own command/args/source on the host. File format:
//   images:
//     - image: "*/extract_module:*"   # fnmatch(3) pattern over the whole image name
//       builtin: extract              # a built-in step (`aiotops extract`) ...
//       args: [--source, data/]       # ... with arguments before the template's own args
//     - image: "python:3*"
//       command: [python3, -c, "print(1)"]  # ... or a host command replacing command and args
// Immutable after load; safe to share between threads.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "pipeline/model.h"

namespace aiotops::pipeline {

struct ImageMapping {
  std::string pattern;               // fnmatch pattern over the image name
  std::string builtin;               // a built-in step name, or empty
  std::vector<std::string> command;  // a host command replacing command+args, or empty
  std::vector<std::string> args;     // a built-in step's first arguments, or empty
  SourceLocation location;           // where the entry was written (empty for built-in images)
};

class ImageMap {
 public:
  // Only the built-in images.
  ImageMap() = default;
  // The entries of `file`, then the built-in images. kNotFound for a missing file;
  // kInvalidArgument "file:line: ..." for YAML errors, unknown fields, values of the wrong type,
  // an entry without `image`, with both or neither of `builtin` and `command`, or repeating an
  // earlier entry's `image`.
  static Result<ImageMap> load(const std::filesystem::path& file);

  // The first entry matching `image`, else the built-in step of a built-in image, else nullopt
  // (the template runs as written on the host).
  std::optional<ImageMapping> find(std::string_view image) const;

  // What `container` runs: find(container.image), else, for the aiotops image itself (image
  // name `aiotops`, command `[aiotops, STEP, ...]`, as `pipeline export` writes a built-in step),
  // the built-in step STEP with the rest of the command as its first args.
  std::optional<ImageMapping> find(const Container& container) const;

 private:
  std::vector<ImageMapping> entries_;
};

}  // namespace aiotops::pipeline
