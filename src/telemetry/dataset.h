#pragma once
// The in-memory shapes of telemetry: one Reading (a message from a device) and a Dataset
// (a table of readings with a fixed, named feature set). Every command works on any set of
// numeric feature columns chosen by name; the motor's four features are only the default.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aiotops::telemetry {

// The reference motor's features, in the order the reference firmware sends them.
inline constexpr std::array<std::string_view, 4> kMotorFeatures{"current", "temperature",
                                                                "vibration", "sound"};
// Column names of the reference's CSV layouts and of our datasets.
inline constexpr std::string_view kDeviceIdColumn = "deviceID";
inline constexpr std::string_view kTimestampColumn = "timeStamp";
inline constexpr std::string_view kLabelColumn = "label";
inline constexpr std::string_view kFaultTypeColumn = "fault_type";
// fault_type of a reading with no fault.
inline constexpr std::string_view kNoFault = "none";

// One message from one device. `values` follow the order of the schema's feature names.
struct Reading {
  std::string device_id;                // empty when the message carried none
  std::optional<int64_t> timestamp_ms;  // Unix milliseconds
  std::vector<double> values;
  std::optional<double> label;  // binary fault flag (0/1) when known
  std::string fault_type;       // e.g. "bearing-wear"; kNoFault when healthy; "" unknown
};

// A table of readings. Optional columns are either empty or hold exactly rows() entries.
struct Dataset {
  std::vector<std::string> feature_names;
  std::vector<double> features;  // row-major, rows() * cols()
  std::string label_name;        // empty when unlabelled
  std::vector<double> labels;    // as read; training checks they are 0/1
  std::vector<std::string> device_ids;
  std::vector<int64_t> timestamps_ms;
  std::vector<std::string> fault_types;

  size_t cols() const { return feature_names.size(); }
  size_t rows() const { return cols() == 0 ? 0 : features.size() / cols(); }
  bool has_labels() const { return !labels.empty(); }
  std::span<const double> row(size_t r) const { return {features.data() + r * cols(), cols()}; }
  double at(size_t r, size_t c) const { return features[r * cols() + c]; }
  // Appends one reading; its values must have cols() entries.
  void append(const Reading& reading);
};

// A new dataset holding the given rows of `source`, in the given order (indices < rows()).
Dataset select_rows(const Dataset& source, std::span<const size_t> rows);

}  // namespace aiotops::telemetry
