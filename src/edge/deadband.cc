#include "edge/deadband.h"

#include <cmath>

namespace aiotops::edge {

Result<Deadband> Deadband::create(DeadbandOptions options) {
  for (size_t i = 0; i < options.epsilon.size(); ++i) {
    if (!std::isfinite(options.epsilon[i]) || options.epsilon[i] < 0) {
      return fail(ErrorCode::kInvalidArgument, "deadband epsilon {} is {} (must be finite, >= 0)",
                  i, options.epsilon[i]);
    }
  }
  if (options.max_devices == 0) return fail(ErrorCode::kInvalidArgument, "max devices of 0");
  return Deadband(std::move(options));
}

bool Deadband::fits(size_t features) const {
  return options_.epsilon.size() == 1 || options_.epsilon.size() == features;
}

bool Deadband::within(std::span<const double> last, std::span<const double> values) const {
  if (last.size() != values.size()) return false;
  const bool one = options_.epsilon.size() == 1;
  for (size_t i = 0; i < values.size(); ++i) {
    // Written so that NaN never counts as "moved less".
    if (!(std::abs(values[i] - last[i]) < options_.epsilon[one ? 0 : i])) return false;
  }
  return true;
}

bool Deadband::skip(std::string_view device, std::span<const double> values, uint64_t generation) {
  if (!enabled() || !fits(values.size())) return false;
  auto [last, fresh] = devices_.find_or_insert(device);
  if (!fresh && last->generation == generation && within(last->values, values)) {
    skipped_.inc();
    return true;
  }
  last->values.assign(values.begin(), values.end());
  last->generation = generation;
  return false;
}

}  // namespace aiotops::edge
