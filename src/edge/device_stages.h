#pragma once
// The per-device decisions of the edge service, shared by its inference workers: the deadband
// (skip readings that barely moved) and the alert tracker (level changes, persistent faults).
// Both keep state per device; readings of one device may reach different workers, so the stages
// sit behind one mutex (uncontended with the default single worker).

#include <mutex>
#include <optional>

#include "common/error.h"
#include "edge/alert_policy.h"
#include "edge/deadband.h"

namespace aiotops::edge {

struct DeviceStages {
  // kInvalidArgument naming the bad option (see AlertTracker::create, Deadband::create).
  static Result<std::unique_ptr<DeviceStages>> create(const AlertOptions& alerts,
                                                      const DeadbandOptions& deadband) {
    auto tracker = AlertTracker::create(alerts);
    if (!tracker) return fail(tracker.error());
    std::optional<Deadband> band;
    if (!deadband.epsilon.empty()) {
      auto created = Deadband::create(deadband);
      if (!created) return fail(created.error());
      band.emplace(std::move(*created));
    }
    return std::unique_ptr<DeviceStages>(new DeviceStages(std::move(*tracker), std::move(band)));
  }

  std::mutex mutex;  // guards everything below
  AlertTracker alerts;
  std::optional<Deadband> deadband;  // absent: every reading is scored

 private:
  DeviceStages(AlertTracker tracker, std::optional<Deadband> band)
      : alerts(std::move(tracker)), deadband(std::move(band)) {}
};

}  // namespace aiotops::edge
