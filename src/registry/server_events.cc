// /api/v1/events: the store's event bus as server-sent events. One stream holds one request
// thread for as long as it is open, so their number is capped (ServerOptions).

#include <charconv>
#include <memory>

#include <fmt/format.h>

#include "registry/server_impl.h"

namespace aiotops::registry {
namespace {

// Where a reconnecting client resumes: the Last-Event-ID header, or ?after=ID.
Result<std::optional<uint64_t>> resume_after(const httplib::Request& request) {
  std::string text = request.get_header_value("Last-Event-ID");
  if (text.empty()) text = request.get_param_value("after");
  if (text.empty()) return std::optional<uint64_t>();
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorCode::kInvalidArgument, "event id '{}': expected a number", text);
  }
  return std::optional<uint64_t>(id);
}

std::string format_event(const Event& event) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", event.id, to_string(event.type),
                     to_json_line(event));
}

}  // namespace

Status RegistryServer::Impl::get_events(Call& call) {
  auto after = resume_after(call.request);
  if (!after) return fail(after.error());
  // Device tokens read models, not datasets: their streams skip dataset events.
  const bool models_only = call.token && call.token->role == Role::kDevice;
  std::shared_ptr<Subscription> subscription;
  {
    std::lock_guard lock(streams_mutex);
    if (stopping) return fail(ErrorCode::kUnavailable, "the registry is stopping");
    if (streams.size() >= static_cast<size_t>(options.max_event_streams)) {
      return fail(ErrorCode::kUnavailable, "{} event streams are open already (the limit)",
                  streams.size());
    }
    subscription = store.events().subscribe(*after);
    streams.insert(subscription.get());
  }
  call.response.set_header("Cache-Control", "no-cache");
  auto dropped = std::make_shared<uint64_t>(0);
  call.response.set_chunked_content_provider(
      "text/event-stream",
      [this, subscription, models_only, dropped](size_t offset, httplib::DataSink& sink) {
        auto write = [&sink](std::string_view text) {
          return sink.write(text.data(), text.size());
        };
        if (offset == 0) return write(": connected\n\n");  // the stream is live from here on
        const std::optional<Event> event = subscription->next(options.event_keepalive);
        if (!event) {
          if (!stopping) return write(": keepalive\n\n");
          sink.done();
          return true;
        }
        if (subscription->dropped() != *dropped) {
          // This stream fell behind and lost events: the client should list again.
          *dropped = subscription->dropped();
          if (!write(fmt::format("event: resync\ndata: {{\"dropped\":{}}}\n\n", *dropped))) {
            return false;
          }
        }
        if (models_only && event->type == EventType::kDatasetVersion) return true;
        return write(format_event(*event));
      },
      [this, subscription](bool) {
        std::lock_guard lock(streams_mutex);
        streams.erase(subscription.get());
      });
  return {};
}

void RegistryServer::Impl::close_streams() {
  std::lock_guard lock(streams_mutex);
  stopping = true;
  for (Subscription* subscription : streams) subscription->close();
}

}  // namespace aiotops::registry
