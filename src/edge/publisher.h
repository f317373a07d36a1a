#pragma once
// Where the inference workers send what they produce (results, alerts, dead letters): the MQTT
// client in the service, a recording fake in tests.

#include <string_view>

#include "common/error.h"

namespace aiotops::edge {

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Queues one message; must not block for long and must be thread-safe. A failure is counted by
  // the caller and the message is not retried.
  virtual Status publish(std::string_view topic, std::string_view payload, int qos) = 0;
  // Called after a batch of publish() calls: a publisher that holds messages back to send them
  // together (one wake-up of its network thread per batch) sends them now. Thread-safe.
  virtual void end_batch() {}
};

}  // namespace aiotops::edge
