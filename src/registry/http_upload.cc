#include "registry/http_upload.h"

namespace aiotops::registry {

bool UploadParts::begin_part(std::string_view name, std::string_view filename) {
  if (name == "metadata") {
    part_ = Part::kMetadata;
    return true;
  }
  if (name != "file") {
    problem_ = fail(ErrorCode::kInvalidArgument,
                    "multipart part '{}': expected 'file' or 'metadata'", name);
    return false;
  }
  if (seen_file_) {
    problem_ = fail(ErrorCode::kInvalidArgument, "multipart body has two 'file' parts");
    return false;
  }
  seen_file_ = true;
  part_ = Part::kFile;
  filename_ = std::string(filename);
  return true;
}

bool UploadParts::append(std::string_view bytes) {
  switch (part_) {
    case Part::kFile:
      problem_ = file_sink_(bytes);
      return problem_.has_value();
    case Part::kMetadata:
      if (metadata_.size() + bytes.size() > max_metadata_bytes_) {
        problem_ = fail(ErrorCode::kResourceExhausted,
                        "multipart part 'metadata': larger than {} bytes", max_metadata_bytes_);
        return false;
      }
      metadata_.append(bytes);
      return true;
    case Part::kNone:
      break;
  }
  problem_ = fail(ErrorCode::kInvalidArgument, "multipart body: data before any part's headers");
  return false;
}

Status UploadParts::finish(bool complete) const {
  if (!problem_) return problem_;
  if (!complete) {
    return fail(ErrorCode::kInvalidArgument,
                "malformed multipart/form-data body (boundary, part headers or framing)");
  }
  if (!seen_file_) return fail(ErrorCode::kInvalidArgument, "multipart body has no 'file' part");
  return {};
}

}  // namespace aiotops::registry
