// The drift statistics against Debian's python3-scipy (tests/scipy_drift_reference.py, run live):
// random samples with fixed seeds, ties, unequal sizes, degenerate samples, every KS mode and
// alternative, and the KS null distributions over grids that reach every algorithm SciPy picks.
// Tolerance: |ours - scipy| <= 1e-11 * |scipy| + 1e-15, tighter than the documented 1e-9 (the
// largest difference seen is 3e-13 relative). The absolute term covers p-values that both sides
// compute as 1 - (a number near 1), where SciPy's own rounding error is ~1e-16.

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "drift/chi2.h"
#include "drift/drift_test_data.h"
#include "drift/kolmogorov.h"
#include "drift/ks.h"
#include "drift/psi.h"
#include "drift/wasserstein.h"
#include "support/scratch_dir.h"

namespace aiotops::drift {
namespace {

using drift::testing::normal_sample;
using nlohmann::json;

constexpr double kRelative = 1e-11;
constexpr double kAbsolute = 1e-15;

void expect_near_scipy(double ours, double scipy, const std::string& what) {
  EXPECT_LE(std::abs(ours - scipy), kRelative * std::abs(scipy) + kAbsolute)
      << what << fmt::format(": ours {:.17g}, scipy {:.17g}", ours, scipy);
}

// Writes `cases` and returns SciPy's answers (null with a test failure when the script fails).
json run_reference(const json& cases) {
  aiotops::testing::ScratchDir dir("drift-scipy");
  const auto path = dir / "cases.json";
  std::ofstream(path) << cases.dump();
  const std::string script = std::string(AIOTOPS_SOURCE_DIR) + "/tests/scipy_drift_reference.py";
  const auto outcome =
      aiotops::testing::run_cli(AIOTOPS_REFERENCE_PYTHON, script + " " + path.string(), dir.path(),
                                std::chrono::seconds(600));
  if (outcome.exit_code != 0) {
    ADD_FAILURE() << "reference script failed: " << outcome.err;
    return nullptr;
  }
  return json::parse(outcome.out);
}

SortedSample sorted(const std::vector<double>& values) {
  return SortedSample::from_values(values, "test").value();
}

struct KsCase {
  std::string name;
  std::vector<double> a;
  std::vector<double> b;
};

std::vector<KsCase> ks_cases() {
  std::vector<KsCase> cases;
  auto add = [&](std::string name, std::vector<double> a, std::vector<double> b) {
    cases.push_back({std::move(name), std::move(a), std::move(b)});
  };
  add("7 vs 13", normal_sample(7, 1), normal_sample(13, 2));
  add("13 vs 7 shifted", normal_sample(13, 3, 0.8), normal_sample(7, 4));
  add("20 vs 20", normal_sample(20, 5), normal_sample(20, 6, 0.3));
  add("100 vs 100 shifted", normal_sample(100, 7), normal_sample(100, 8, 0.5));
  add("60 vs 90 scaled", normal_sample(60, 9), normal_sample(90, 10, 0, 2));
  add("150 vs 140", normal_sample(150, 11), normal_sample(140, 12, 0.1));
  add("500 vs 3000", normal_sample(500, 13), normal_sample(3000, 14, 0.05));
  // One-sided exact counts overflow a double here: both sides fall back to asymptotic.
  add("600 vs 800", normal_sample(600, 34, 0.1), normal_sample(800, 35));
  add("1000 vs 1000 shifted", normal_sample(1000, 15), normal_sample(1000, 16, 0.2));
  add("2000 vs 2500 same", normal_sample(2000, 17), normal_sample(2500, 18));
  add("10000 vs 12000", normal_sample(10000, 19), normal_sample(12000, 20, 0.02));
  add("10000 vs 10000", normal_sample(10000, 21), normal_sample(10000, 22, 0.03));
  add("ties 200 vs 300", normal_sample(200, 23, 0, 1, 1), normal_sample(300, 24, 0.1, 1, 1));
  add("ties integers 50 vs 50", normal_sample(50, 25, 0, 2, 0), normal_sample(50, 26, 0, 2, 0));
  add("ties 3000 vs 2000", normal_sample(3000, 27, 0, 1, 0), normal_sample(2000, 28, 0.2, 1, 0));
  const auto same = normal_sample(300, 29);
  add("identical", same, same);
  add("one constant", std::vector<double>(40, 1.5), normal_sample(30, 30, 1.5));
  add("both constant, equal", std::vector<double>(5, 2.0), std::vector<double>(8, 2.0));
  add("both constant, apart", std::vector<double>(5, 2.0), std::vector<double>(8, 3.0));
  add("size 1 vs 10", {0.25}, normal_sample(10, 31));
  add("size 1 vs 1", {0.25}, {-1.0});
  add("disjoint 30 vs 45", normal_sample(30, 32), normal_sample(45, 33, 100));
  return cases;
}

TEST(ScipyReferenceTest, KsTwoSampleInEveryModeAndAlternative) {
  const std::vector<std::pair<KsMode, std::string>> modes{
      {KsMode::kAuto, "auto"}, {KsMode::kExact, "exact"}, {KsMode::kAsymp, "asymp"}};
  const std::vector<std::pair<KsAlternative, std::string>> alternatives{
      {KsAlternative::kTwoSided, "two-sided"},
      {KsAlternative::kLess, "less"},
      {KsAlternative::kGreater, "greater"}};
  const auto cases = ks_cases();
  json request = {{"ks", json::array()}};
  struct Run {
    std::string what;
    KsResult ours;
  };
  std::vector<Run> runs;
  for (const auto& c : cases) {
    const SortedSample a = sorted(c.a);
    const SortedSample b = sorted(c.b);
    for (const auto& [mode, mode_name] : modes) {
      for (const auto& [alternative, alternative_name] : alternatives) {
        // One-sided exact p-values for unequal sizes cost O(n^2) binomials in SciPy.
        const bool slow = mode != KsMode::kAsymp && alternative != KsAlternative::kTwoSided &&
                          c.a.size() != c.b.size() && c.a.size() * c.b.size() > 1000000;
        if (slow) continue;
        runs.push_back({fmt::format("{} {} {}", c.name, mode_name, alternative_name),
                        ks_2samp(a, b, {.mode = mode, .alternative = alternative})});
        request["ks"].push_back(
            {{"a", c.a}, {"b", c.b}, {"mode", mode_name}, {"alternative", alternative_name}});
      }
    }
  }
  const json scipy = run_reference(request);
  ASSERT_FALSE(scipy.is_null());
  ASSERT_EQ(scipy["ks"].size(), runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const json& r = scipy["ks"][i];
    expect_near_scipy(runs[i].ours.statistic, r[0].get<double>(), runs[i].what + " statistic");
    if (r[1].is_null()) {
      // SciPy's asymptotic p-value for two samples of one value is NaN (kstwo at n =
      // round(0.5) = 0); ours is the exact one there.
      EXPECT_EQ(runs[i].what, "size 1 vs 1 asymp two-sided");
      EXPECT_EQ(runs[i].ours.pvalue, 1.0);
    } else {
      expect_near_scipy(runs[i].ours.pvalue, r[1].get<double>(), runs[i].what + " p-value");
    }
    EXPECT_EQ(runs[i].ours.statistic_location, r[2].get<double>()) << runs[i].what;
    EXPECT_EQ(runs[i].ours.statistic_sign, r[3].get<int>()) << runs[i].what;
  }
}

TEST(ScipyReferenceTest, KolmogorovDistributionsOverEveryAlgorithm) {
  // n <= 140 and n > 140, x across Ruben-Gambino, Durbin, Pomeranz, Pelz-Good and Smirnov.
  json request = {{"kstwo", json::array()}, {"smirnov", json::array()}};
  std::vector<std::pair<int64_t, double>> points;
  auto add = [&](int64_t n, std::initializer_list<double> zs, std::initializer_list<double> xs) {
    for (double z : zs) {
      if (const double x = z / std::sqrt(static_cast<double>(n)); x < 1) points.emplace_back(n, x);
    }
    for (double x : xs) points.emplace_back(n, x);
  };
  for (int64_t n : {1, 2, 5, 10, 37, 100, 140, 141, 500, 3000}) {
    add(n, {0.1, 0.3, 0.55, 0.8, 0.9, 1.0, 1.2, 1.5, 1.8, 2.0, 2.5, 3.5, 5.0},
        {0.6 / n, 0.9 / n, 0.02, 0.1, 0.3, 0.5, 0.7, 1.0 - 0.5 / n});
  }
  // SciPy's Smirnov sum takes ~0.3 s at these sizes: a few points each.
  for (int64_t n : {20000, 100000, 150000}) add(n, {0.02, 0.3, 0.9, 1.6, 2.5}, {0.6 / n, 0.5});
  for (const auto& [n, x] : points) {
    request["kstwo"].push_back({n, x});
    request["smirnov"].push_back({n, x});
  }
  const json scipy = run_reference(request);
  ASSERT_FALSE(scipy.is_null());
  for (size_t i = 0; i < points.size(); ++i) {
    const auto [n, x] = points[i];
    expect_near_scipy(kstwo_sf(n, x), scipy["kstwo"][i].get<double>(),
                      fmt::format("kstwo.sf({}, {})", x, n));
    expect_near_scipy(smirnov_sf(n, x), scipy["smirnov"][i].get<double>(),
                      fmt::format("smirnov({}, {})", n, x));
  }
}

TEST(ScipyReferenceTest, WassersteinDistance) {
  const auto cases = ks_cases();
  json request = {{"wasserstein", json::array()}};
  for (const auto& c : cases) request["wasserstein"].push_back({{"a", c.a}, {"b", c.b}});
  const json scipy = run_reference(request);
  ASSERT_FALSE(scipy.is_null());
  for (size_t i = 0; i < cases.size(); ++i) {
    expect_near_scipy(wasserstein_distance(sorted(cases[i].a), sorted(cases[i].b)),
                      scipy["wasserstein"][i].get<double>(), cases[i].name);
  }
}

TEST(ScipyReferenceTest, ChiSquaredContingency) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> tables{
      {{10, 20, 30}, {12, 18, 35}},
      {{500, 300, 200}, {100, 150, 250}},
      {{5, 0, 7, 3}, {4, 2, 0, 9}},
      {{1000, 0, 1}, {990, 0, 12}},
      {{40, 60}, {60, 40}},
      {{3}, {9}},
      {{100000, 20, 3, 7, 1}, {99000, 400, 30, 8, 2}},
  };
  json request = {{"chi2", json::array()}};
  for (const auto& [r, c] : tables) request["chi2"].push_back({{"reference", r}, {"current", c}});
  const json scipy = run_reference(request);
  ASSERT_FALSE(scipy.is_null());
  for (size_t i = 0; i < tables.size(); ++i) {
    const auto ours = chi2_test(tables[i].first, tables[i].second).value();
    const json& r = scipy["chi2"][i];
    const std::string what = fmt::format("table {}", i);
    expect_near_scipy(ours.statistic, r[0].get<double>(), what + " statistic");
    expect_near_scipy(ours.pvalue, r[1].get<double>(), what + " p-value");
    EXPECT_EQ(ours.dof, r[2].get<int>()) << what;
  }
}

TEST(ScipyReferenceTest, PsiMatchesItsDefinitionInNumpy) {
  const auto cases = ks_cases();
  json request = {{"psi", json::array()}};
  const std::vector<int> bins{10, 4, 10, 20};
  for (size_t i = 0; i < cases.size(); ++i) {
    request["psi"].push_back({{"reference", cases[i].a},
                              {"current", cases[i].b},
                              {"bins", bins[i % bins.size()]},
                              {"epsilon", 1e-4}});
  }
  const json scipy = run_reference(request);
  ASSERT_FALSE(scipy.is_null());
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto ours =
        psi(sorted(cases[i].a), sorted(cases[i].b), {.bins = bins[i % bins.size()]}).value();
    const json& r = scipy["psi"][i];
    expect_near_scipy(ours.psi, r[0].get<double>(), cases[i].name);
    EXPECT_EQ(ours.edges, r[1].get<std::vector<double>>()) << cases[i].name;
    EXPECT_EQ(ours.reference_share, r[2].get<std::vector<double>>()) << cases[i].name;
    EXPECT_EQ(ours.current_share, r[3].get<std::vector<double>>()) << cases[i].name;
  }
}

}  // namespace
}  // namespace aiotops::drift
