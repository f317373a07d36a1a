#pragma once
// Where publish() leaves messages for the MQTT network thread, which alone hands them to
// libmosquitto: publishing threads never write to the socket or wake the thread per message.
// Entries keep their buffers when taken and refilled, so once the outbox has held its largest
// burst and each buffer its largest message, neither push() nor take() allocates.

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace aiotops::transport {

struct OutgoingMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
};

// Thread-safe: any number of pushing threads, one taking thread.
class Outbox {
 public:
  // Copies one message in; returns the number of messages now waiting (1: it was empty).
  size_t push(std::string_view topic, std::string_view payload, int qos, bool retain);
  // Moves every waiting message into `batch` (whose entries become the outbox's spare buffers)
  // and returns how many; batch[0..n) hold them, oldest first.
  size_t take(std::vector<OutgoingMessage>& batch);
  // Messages waiting now.
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<OutgoingMessage> entries_;  // the first count_ are waiting; guarded by mutex_
  size_t count_ = 0;
};

}  // namespace aiotops::transport
