#include "ml/split.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "ml/metrics.h"

namespace aiotops::ml {
namespace {

// A uniform integer in [0, bound) from raw 64-bit draws, rejecting the biased tail, so the
// result does not depend on the standard library's distributions.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t reject_below = (0 - bound) % bound;  // 2^64 mod bound
  uint64_t draw = rng();
  while (draw < reject_below) draw = rng();
  return draw % bound;
}

template <typename T>
void fisher_yates(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[uniform_below(rng, i)]);
  }
}

// Rows of each class (index 0: label 0, index 1: label 1), each shuffled; labels must be valid.
std::array<std::vector<size_t>, 2> shuffled_classes(std::span<const double> labels, uint64_t seed) {
  std::array<std::vector<size_t>, 2> classes;
  for (size_t i = 0; i < labels.size(); ++i) classes[labels[i] == 1.0 ? 1 : 0].push_back(i);
  std::mt19937_64 rng(seed);
  fisher_yates(classes[0], rng);
  fisher_yates(classes[1], rng);
  return classes;
}

Status check_fraction(double fraction, std::string_view name) {
  if (!(fraction >= 0.0 && fraction < 1.0)) {
    return fail(ErrorCode::kInvalidArgument, "{} fraction {} is not in [0, 1)", name, fraction);
  }
  return {};
}

size_t rounded_share(double fraction, size_t count) {
  return static_cast<size_t>(std::llround(fraction * static_cast<double>(count)));
}

void sort_parts(Split& split) {
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.test.begin(), split.test.end());
}

}  // namespace

Result<Split> stratified_split(std::span<const double> labels, double validation_fraction,
                               double test_fraction, uint64_t seed) {
  if (auto ok = check_fraction(validation_fraction, "validation"); !ok) return fail(ok.error());
  if (auto ok = check_fraction(test_fraction, "test"); !ok) return fail(ok.error());
  if (!(validation_fraction + test_fraction < 1.0)) {
    return fail(ErrorCode::kInvalidArgument,
                "validation fraction {} + test fraction {} leave no rows for training",
                validation_fraction, test_fraction);
  }
  if (auto ok = validate_binary_labels(labels); !ok) return fail(ok.error());
  auto classes = shuffled_classes(labels, seed);
  Split split;
  // part_counts[part][class]: 0 train, 1 validation, 2 test.
  std::array<std::array<size_t, 2>, 3> part_counts{};
  for (size_t c = 0; c < 2; ++c) {
    const std::vector<size_t>& rows = classes[c];
    size_t n_test = std::min(rounded_share(test_fraction, rows.size()), rows.size());
    size_t n_validation =
        std::min(rounded_share(validation_fraction, rows.size()), rows.size() - n_test);
    auto test_end = rows.begin() + static_cast<std::ptrdiff_t>(n_test);
    auto validation_end = test_end + static_cast<std::ptrdiff_t>(n_validation);
    split.test.insert(split.test.end(), rows.begin(), test_end);
    split.validation.insert(split.validation.end(), test_end, validation_end);
    split.train.insert(split.train.end(), validation_end, rows.end());
    part_counts[0][c] = rows.size() - n_test - n_validation;
    part_counts[1][c] = n_validation;
    part_counts[2][c] = n_test;
  }
  constexpr std::array<std::string_view, 3> kPartNames{"train", "validation", "test"};
  for (size_t part = 0; part < 3; ++part) {
    auto [negatives, positives] = part_counts[part];
    if (negatives + positives > 0 && (negatives == 0 || positives == 0)) {
      return fail(ErrorCode::kInvalidArgument,
                  "{} part would get {} positive and {} negative rows (of {} positive and {} "
                  "negative rows in all); it needs both classes: use more data or other "
                  "fractions",
                  kPartNames[part], positives, negatives, classes[1].size(), classes[0].size());
    }
  }
  if (split.train.empty()) {
    return fail(ErrorCode::kInvalidArgument, "no rows for the train part ({} rows in all)",
                labels.size());
  }
  sort_parts(split);
  return split;
}

Result<std::vector<Split>> stratified_k_fold(std::span<const double> labels, size_t k,
                                             uint64_t seed) {
  if (k < 2) return fail(ErrorCode::kInvalidArgument, "k-fold needs k >= 2, got {}", k);
  if (auto ok = validate_binary_labels(labels); !ok) return fail(ok.error());
  auto classes = shuffled_classes(labels, seed);
  for (size_t c = 0; c < 2; ++c) {
    if (classes[c].size() < k) {
      return fail(ErrorCode::kInvalidArgument,
                  "{}-fold needs at least {} rows of each class, but label {} has {} ({} "
                  "positive and {} negative rows in all)",
                  k, k, c, classes[c].size(), classes[1].size(), classes[0].size());
    }
  }
  // Deal the shuffled negatives, then the shuffled positives, round-robin over the folds.
  std::vector<size_t> fold_of(labels.size());
  size_t dealt = 0;
  for (const auto& rows : classes) {
    for (size_t row : rows) fold_of[row] = dealt++ % k;
  }
  std::vector<Split> folds(k);
  for (size_t row = 0; row < labels.size(); ++row) {
    for (size_t f = 0; f < k; ++f)
      (f == fold_of[row] ? folds[f].test : folds[f].train).push_back(row);
  }
  return folds;
}

Result<Split> split_by_device(std::span<const std::string> device_ids,
                              const DeviceSplitOptions& options) {
  if (device_ids.empty()) return fail(ErrorCode::kInvalidArgument, "no rows with device ids");
  if (auto ok = check_fraction(options.validation_fraction, "validation"); !ok) {
    return fail(ok.error());
  }
  if (auto ok = check_fraction(options.test_fraction, "test"); !ok) return fail(ok.error());
  std::set<std::string_view> devices;
  for (size_t i = 0; i < device_ids.size(); ++i) {
    if (device_ids[i].empty()) {
      return fail(ErrorCode::kInvalidArgument, "row {}: empty device id", i);
    }
    devices.insert(device_ids[i]);
  }
  enum Part { kTrain, kValidation, kTest };
  std::map<std::string_view, Part> part_of;
  for (std::string_view device : devices) part_of[device] = kTrain;

  auto assign_named = [&](const std::vector<std::string>& names, double fraction, Part part,
                          std::string_view part_name) -> Status {
    if (!names.empty() && fraction > 0.0) {
      return fail(ErrorCode::kInvalidArgument,
                  "{} part has both named devices and a fraction ({}); give one", part_name,
                  fraction);
    }
    for (const std::string& name : names) {
      auto it = part_of.find(name);
      if (it == part_of.end()) {
        return fail(ErrorCode::kNotFound, "{} device '{}' has no rows", part_name, name);
      }
      if (it->second != kTrain) {
        return fail(ErrorCode::kInvalidArgument, "device '{}' is named twice", name);
      }
      it->second = part;
    }
    return {};
  };
  if (auto ok = assign_named(options.test_devices, options.test_fraction, kTest, "test"); !ok) {
    return fail(ok.error());
  }
  if (auto ok = assign_named(options.validation_devices, options.validation_fraction, kValidation,
                             "validation");
      !ok) {
    return fail(ok.error());
  }

  // Fractions pick from the devices not named, in a seeded shuffle of their sorted ids.
  std::vector<std::string_view> candidates;
  for (const auto& [device, part] : part_of) {
    if (part == kTrain) candidates.push_back(device);
  }
  std::mt19937_64 rng(options.seed);
  fisher_yates(candidates, rng);
  size_t next = 0;
  for (auto [fraction, part] : {std::pair{options.test_fraction, kTest},
                                std::pair{options.validation_fraction, kValidation}}) {
    if (fraction <= 0.0) continue;
    size_t want = std::max<size_t>(1, rounded_share(fraction, devices.size()));
    for (size_t taken = 0; taken < want && next < candidates.size(); ++taken) {
      part_of[candidates[next++]] = part;
    }
  }
  if (std::none_of(part_of.begin(), part_of.end(),
                   [](const auto& entry) { return entry.second == kTrain; })) {
    return fail(ErrorCode::kInvalidArgument,
                "no device left for training: {} devices in all, all held out", devices.size());
  }

  Split split;
  for (size_t i = 0; i < device_ids.size(); ++i) {
    switch (part_of[device_ids[i]]) {
      case kTrain:
        split.train.push_back(i);
        break;
      case kValidation:
        split.validation.push_back(i);
        break;
      case kTest:
        split.test.push_back(i);
        break;
    }
  }
  return split;
}

}  // namespace aiotops::ml
