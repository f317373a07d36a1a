#pragma once
// Reading a text/event-stream (server-sent events, as the registry's /api/v1/events sends them)
// from chunks that split lines anywhere: `event:`, `data:` and `id:` fields gathered until a
// blank line dispatches the event; comment lines (`: keepalive`) and unknown fields are skipped.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace aiotops::edge {

struct ServerSentEvent {
  std::string id;
  std::string type = "message";  // the `event:` field; "message" when absent
  std::string data;              // `data:` lines joined with "\n"
};

// Not thread-safe; one per stream.
class EventStreamParser {
 public:
  using Handler = std::function<void(const ServerSentEvent&)>;
  // `max_line_bytes`: a longer line makes feed() fail (a stream gone wrong, not an event).
  explicit EventStreamParser(Handler handler, size_t max_line_bytes = size_t{64} << 10)
      : handler_(std::move(handler)), max_line_bytes_(max_line_bytes) {}

  // Consumes the next bytes, calling the handler for each complete event. False when a line
  // grows beyond the limit (the stream should be dropped).
  bool feed(std::string_view bytes);

 private:
  void line(std::string_view text);

  Handler handler_;
  size_t max_line_bytes_;
  std::string partial_;  // an unfinished line
  ServerSentEvent event_;
  bool has_data_ = false;
};

}  // namespace aiotops::edge
