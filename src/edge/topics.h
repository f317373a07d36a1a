#pragma once
// MQTT topics the edge service publishes to. Device ids come from the network, so each is made
// into one safe topic level before use: a device id can never add levels, wildcards or invalid
// UTF-8 to a topic, and two different ids never share a topic.

#include <cstddef>
#include <string>
#include <string_view>

namespace aiotops::edge {

inline constexpr std::string_view kInferenceTopicPrefix = "aiotops/inference/";
inline constexpr std::string_view kAlertTopicPrefix = "aiotops/alerts/";
inline constexpr std::string_view kDeadLetterSuffix = "/dead-letter";
// MQTT's limit on a topic's length, in bytes.
inline constexpr size_t kMaxTopicBytes = 65535;
// Longest device level the builders write, in bytes: longer ids are cut (at a character
// boundary) so that a hostile id cannot produce a topic the broker refuses.
inline constexpr size_t kMaxDeviceLevelBytes = 1024;

// Appends `device_id` as one topic level: '+', '#', '/', '%', control characters (C0, DEL, C1)
// and bytes that are not valid UTF-8 are percent-encoded as %XX (uppercase hex), everything
// else is kept, so the mapping is one-to-one; an empty id becomes "%" (never produced by a
// non-empty id). Output beyond kMaxDeviceLevelBytes is cut. Never fails; thread-safe.
void append_device_level(std::string& out, std::string_view device_id);

// Writes `aiotops/inference/<device level>` into `out` (cleared first; no allocation once its
// capacity suffices). Never fails; thread-safe on distinct strings.
void inference_topic(std::string& out, std::string_view device_id);

// Writes `aiotops/alerts/<device level>` into `out`, as inference_topic().
void alert_topic(std::string& out, std::string_view device_id);

// Writes `<topic>/dead-letter` into `out` (cleared first). `topic` is the concrete topic the
// message arrived on; it is cut at a character boundary if the result would exceed
// kMaxTopicBytes. Never fails; thread-safe on distinct strings.
void dead_letter_topic(std::string& out, std::string_view topic);

}  // namespace aiotops::edge
