#pragma once
// Seeded, reproducible splits of a dataset's rows into train / validation / test index sets.
// Shuffles use std::mt19937_64 and our own Fisher-Yates with rejection sampling, so a seed gives
// the same split with every standard library. All functions are pure and thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"

namespace aiotops::ml {

// Row indices of each part, each sorted ascending; together they cover every row once.
struct Split {
  std::vector<size_t> train;
  std::vector<size_t> validation;
  std::vector<size_t> test;
};

// Stratified split: each class c (label 0 and label 1) sends round(test_fraction * count_c) of
// its rows to test, round(validation_fraction * count_c) to validation (capped by what is left)
// and the rest to train. Fractions must be >= 0 with a sum < 1. Fails with kInvalidArgument on a
// label other than 0/1 (naming the row), on bad fractions, or when a non-empty part would get no
// positive or no negative row (naming the part and the class counts).
Result<Split> stratified_split(std::span<const double> labels, double validation_fraction,
                               double test_fraction, uint64_t seed);

// Stratified k-fold cross-validation: k splits whose test parts partition the rows (each class
// dealt evenly over the folds, sizes differ by at most one) and whose train part is the rest;
// validation is empty. Fails with kInvalidArgument when k < 2, on a bad label, or when a class
// has fewer than k rows.
Result<std::vector<Split>> stratified_k_fold(std::span<const double> labels, size_t k,
                                             uint64_t seed);

// Which devices split_by_device holds out. For each part give either names or a fraction.
struct DeviceSplitOptions {
  std::vector<std::string> validation_devices;  // held out for validation, by device id
  std::vector<std::string> test_devices;        // held out for test, by device id
  double validation_fraction = 0;  // of the distinct devices, when validation_devices is empty
  double test_fraction = 0;        // of the distinct devices, when test_devices is empty
  uint64_t seed = 0;               // picks the devices for the fractions
};

// Holds out whole devices (for example a fault episode on one motor): every row of a device goes
// to the same part. A fraction f > 0 takes max(1, round(f * devices)) devices chosen by a seeded
// shuffle of the sorted device ids. Labels are not looked at. Fails with kInvalidArgument when a
// row has an empty device id, a part has both names and a fraction, a device is named twice, or
// no device is left for training; with kNotFound when a named device has no row.
Result<Split> split_by_device(std::span<const std::string> device_ids,
                              const DeviceSplitOptions& options);

}  // namespace aiotops::ml
