#pragma once
// Input filtering (--deadband): a reading is not scored when every feature moved less than its
// epsilon since the same device's last *scored* reading, so a slow drift still gets scored once
// it adds up. Epsilons are absolute, in each feature's own units (the reference's features are
// all peak frequencies in Hz, so one value usually serves every feature).
//
// A skipped reading produces no result and no alert: nothing about the device changed enough to
// say anything new, and publishing the last score again would repeat a result with a
// timestamp it was never computed for (the talk's "reduce inconsequential uploads"). Skips are
// counted (skipped()). A reading is always scored when the serving model set changed since the
// device's last scored reading, so a swapped-in model sees every device at least once.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "edge/device_table.h"
#include "edge/owned_counter.h"

namespace aiotops::edge {

struct DeadbandOptions {
  // Per feature in the model's feature order, in the feature's units, each >= 0; a single value
  // applies to every feature. Empty: no deadband (every reading is scored).
  std::vector<double> epsilon;
  size_t max_devices = 10'000;  // devices remembered; the least recently seen is dropped beyond
};

// Not thread-safe: one per worker, every reading of a device to the same worker. skipped() and
// evictions() may be read from any thread.
class Deadband {
 public:
  // kInvalidArgument for a negative or non-finite epsilon or max_devices 0.
  static Result<Deadband> create(DeadbandOptions options);

  // True when the reading should be skipped (counted). False when it must be scored; `values`
  // then become the device's last scored reading (the caller scores it). `generation`: the
  // model set's (ModelSet::generation). Readings whose feature count does not match the
  // per-feature epsilons (see fits()) are always scored. Allocation-free for a known device.
  bool skip(std::string_view device, std::span<const double> values, uint64_t generation);

  // True when the epsilons can judge rows of `features` values: one epsilon, or one per
  // feature. For the service to check against a newly loaded model.
  bool fits(size_t features) const;
  bool enabled() const { return !options_.epsilon.empty(); }
  uint64_t skipped() const { return skipped_.value(); }
  size_t devices() const { return devices_.size(); }
  uint64_t evictions() const { return devices_.evictions(); }

 private:
  struct LastScored {
    std::vector<double> values;
    uint64_t generation = 0;
  };

  explicit Deadband(DeadbandOptions options)
      : options_(std::move(options)), devices_(options_.max_devices) {}
  bool within(std::span<const double> last, std::span<const double> values) const;

  DeadbandOptions options_;
  DeviceTable<LastScored> devices_;
  OwnedCounter skipped_;
};

}  // namespace aiotops::edge
