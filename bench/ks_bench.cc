// Wall time of aiotops' two-sample KS test on two samples read from raw little-endian float64
// files, for bench/ks_vs_scipy.py, which times scipy.stats.ks_2samp on the same files in the
// same run. Prints one JSON object: the fastest of --repeat runs, for the whole test from
// unsorted values (both samples sorted each time, as ks_2samp does) and with the reference
// sorted once beforehand (how `aiotops validate` runs it), plus the statistic and p-value.
// Usage: ks_bench WINDOW.f64 REFERENCE.f64 [--repeat 20] [--mode auto|exact|asymp]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "drift/ks.h"

namespace {

using aiotops::drift::KsOptions;
using aiotops::drift::KsResult;
using aiotops::drift::SortedSample;

std::vector<double> read_doubles(const char* path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<double> values(bytes.size() / sizeof(double));
  std::copy_n(bytes.data(), values.size() * sizeof(double), reinterpret_cast<char*>(values.data()));
  return values;
}

template <typename F>
double fastest_seconds(int repeat, F&& run) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ks_bench WINDOW.f64 REFERENCE.f64 [--repeat N] [--mode M]\n");
    return 2;
  }
  int repeat = 20;
  KsOptions options;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--repeat") {
      repeat = std::max(1, std::stoi(argv[i + 1]));
    } else if (flag == "--mode") {
      auto mode = aiotops::drift::parse_ks_mode(argv[i + 1]);
      if (!mode) {
        std::fprintf(stderr, "%s\n", mode.error().message().c_str());
        return 2;
      }
      options.mode = *mode;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  const std::vector<double> window = read_doubles(argv[1]);
  const std::vector<double> reference = read_doubles(argv[2]);
  if (window.empty() || reference.empty()) {
    std::fprintf(stderr, "ks_bench: empty input\n");
    return 2;
  }
  KsResult result;
  const double full = fastest_seconds(repeat, [&] {
    auto a = SortedSample::from_values(window, "window");
    auto b = SortedSample::from_values(reference, "reference");
    result = aiotops::drift::ks_2samp(*a, *b, options);
  });
  const auto sorted_reference = SortedSample::from_values(reference, "reference").value();
  const double presorted = fastest_seconds(repeat, [&] {
    result = aiotops::drift::ks_2samp(window, "window", sorted_reference, options).value();
  });
  fmt::print(
      "{{\"seconds\": {:.9g}, \"seconds_presorted_reference\": {:.9g}, \"statistic\": {:.17g}, "
      "\"pvalue\": {:.17g}, \"exact\": {}, \"repeat\": {}}}\n",
      full, presorted, result.statistic, result.pvalue, result.exact, repeat);
  return 0;
}
