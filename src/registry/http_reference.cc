#include "registry/http_reference.h"

#include "registry/names.h"
#include "tflite/reader.h"

namespace aiotops::registry {
namespace {

bool name_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool has_int8_constant(std::string_view bytes) {
  auto summary = tflite::read_tflite(bytes);
  if (!summary) return false;
  for (const tflite::TensorSummary& tensor : summary->tensors) {
    if (tensor.is_constant() && tensor.type == ::tflite::TensorType::INT8) return true;
  }
  return false;
}

}  // namespace

Result<std::string> reference_artifact_name(std::string_view filename) {
  if (filename.empty()) {
    return fail(ErrorCode::kInvalidArgument, "multipart part 'file' has no filename");
  }
  if (filename.find_first_of("/\\") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "file name '{}': path separators are not allowed",
                filename);
  }
  if (filename.front() == '.') {
    return fail(ErrorCode::kInvalidArgument, "file name '{}': may not start with '.'", filename);
  }
  std::string name(filename);
  for (char& c : name) {
    if (!name_byte(c)) c = '_';
  }
  if (Status s = validate_name(name, "file name"); !s) return fail(s.error());
  return name;
}

ModelFormat reference_model_format(bool quantized, std::string_view filename,
                                   std::string_view bytes) {
  if (!quantized) return ModelFormat::kNative;
  for (std::string_view extension : {".h", ".c", ".cc"}) {
    if (filename.ends_with(extension)) return ModelFormat::kCArray;
  }
  return has_int8_constant(bytes) ? ModelFormat::kTfliteInt8 : ModelFormat::kTfliteFloat;
}

bool is_quantized_format(ModelFormat format) { return format != ModelFormat::kNative; }

std::string reference_listing_html(const std::vector<std::string>& names) {
  // Artifact names are [A-Za-z0-9._-]: nothing to escape in the href or the text.
  std::string html = "<pre>\n";
  for (const std::string& name : names) {
    html += "<a href=\"";
    html += name;
    html += "\">";
    html += name;
    html += "</a>\n";
  }
  html += "</pre>\n";
  return html;
}

}  // namespace aiotops::registry
