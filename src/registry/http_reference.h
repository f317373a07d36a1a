#pragma once
// The reference system's registry routes, mapped onto the versioned store: its uploads name
// files ("2021-10-07-04:51:04-model.tflite"), its downloads list a folder as HTML (Go's
// http.FileServer: "<pre>\n<a href=\"f\">f</a>\n</pre>\n", which its quantize step parses
// with an XML parser) and fetch "<folder>/<file>". A file name becomes an artifact name; every
// upload of one name is a new version of it; a folder lists the latest version of each name,
// oldest first, so "the last file in the listing" is the newest upload as the reference assumed.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "registry/records.h"

namespace aiotops::registry {

// The artifact name an uploaded file name maps to: bytes outside [A-Za-z0-9._-] become '_'
// (the reference's timestamps hold ':'). kInvalidArgument naming the file name when it is
// empty, longer than kMaxNameLength, contains '/' or '\', or starts with '.' ("..", hidden
// files). Thread-safe.
Result<std::string> reference_artifact_name(std::string_view filename);

// The format a model uploaded through the reference routes is stored with: /uploadModel holds
// native model files; /uploadQuantizedModel .tflite files (int8 when a constant tensor is int8,
// else float; unreadable files count as float) or C arrays (".h", ".c", ".cc"). Thread-safe.
ModelFormat reference_model_format(bool quantized, std::string_view filename,
                                   std::string_view bytes);

// Which folder lists a model: /quantized/ for .tflite and C-array formats, /full/ otherwise.
bool is_quantized_format(ModelFormat format);

// Go's http.FileServer directory listing of `names`, in the given order. Thread-safe.
std::string reference_listing_html(const std::vector<std::string>& names);

}  // namespace aiotops::registry
