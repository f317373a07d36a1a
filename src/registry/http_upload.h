#pragma once
// The parts of a multipart/form-data upload as cpp-httplib's content reader hands them over:
// part `file` is streamed to a sink (the blob store's writer), part `metadata` is kept as text
// up to a limit. Any other part name, a second `file` part, an oversized metadata part or a
// failing sink stops the reading with the problem recorded.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::registry {

class UploadParts {
 public:
  // Receives the file part's bytes in order; a failure stops the upload with that error.
  using FileSink = std::function<Status(std::string_view)>;

  // `max_metadata_bytes`: the most bytes the metadata part may hold.
  UploadParts(FileSink file_sink, uint64_t max_metadata_bytes)
      : file_sink_(std::move(file_sink)), max_metadata_bytes_(max_metadata_bytes) {}

  // A part's headers arrived. false (stop reading) for a part other than `file` or `metadata`,
  // or a second `file` part.
  bool begin_part(std::string_view name, std::string_view filename);
  // Bytes of the current part. false (stop reading) when the sink fails or the metadata part
  // grows past the limit.
  bool append(std::string_view bytes);
  // Once the reader returned (`complete`: it read the whole body): the problem that stopped it
  // (kInvalidArgument, kResourceExhausted, or the sink's error), kInvalidArgument for malformed
  // framing or a body without a `file` part; success otherwise.
  Status finish(bool complete) const;

  const std::string& filename() const { return filename_; }  // the file part's; may be empty
  std::string& metadata() { return metadata_; }              // the metadata part's text

 private:
  FileSink file_sink_;
  uint64_t max_metadata_bytes_;
  enum class Part { kNone, kFile, kMetadata } part_ = Part::kNone;
  bool seen_file_ = false;
  Status problem_;
  std::string filename_;
  std::string metadata_;
};

}  // namespace aiotops::registry
