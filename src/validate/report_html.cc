// The HTML page of a validation report: one file, no external assets (inline CSS and SVG), so it
// can be attached to a workflow run or mailed as it is.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "validate/report.h"

namespace aiotops::validate {
namespace {

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b00020;font-weight:600}.good{color:#1b7a1b;font-weight:600}.warn{color:#a06000}
figure{display:inline-block;margin:.5em 1em .5em 0}figcaption{font-weight:600}
svg text{font-size:10px;fill:#333}.ref{fill:#4a78b5}.cur{fill:#e8833a}
pre{background:#f7f7f7;padding:.8em;font-size:.85em}
)";

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double value) { return std::isfinite(value) ? fmt::format("{:.4g}", value) : "-"; }

std::string optional_num(const std::optional<double>& value) { return value ? num(*value) : "-"; }

std::string yes_no(bool drift) {
  return drift ? "<span class=\"bad\">drift</span>" : "<span class=\"good\">no drift</span>";
}

// Bars of the reference's and the data's share in each bin, side by side, scaled to the
// largest share; each bar's <title> gives the bin and both shares.
std::string histogram_svg(const FeatureDrift& feature) {
  constexpr double kWidth = 520, kHeight = 200, kLeft = 40, kBottom = 48, kTop = 22;
  const size_t bins = feature.bin_labels.size();
  double top = 0;
  for (size_t i = 0; i < bins; ++i) {
    top = std::max({top, feature.reference_share[i], feature.current_share[i]});
  }
  if (top <= 0) top = 1;
  const double plot_height = kHeight - kBottom - kTop;
  const double slot = (kWidth - kLeft - 10) / static_cast<double>(std::max<size_t>(bins, 1));
  const double bar = slot * 0.4;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" role=\"img\" aria-label=\"{2}: reference and data share per bin\">\n",
      kWidth, kHeight, escape(feature.name));
  svg += fmt::format(
      "<rect class=\"ref\" x=\"{0}\" y=\"4\" width=\"10\" height=\"10\"/><text x=\"{1}\" "
      "y=\"13\">reference</text><rect class=\"cur\" x=\"{2}\" y=\"4\" width=\"10\" "
      "height=\"10\"/><text x=\"{3}\" y=\"13\">data</text>\n",
      kLeft, kLeft + 14, kLeft + 84, kLeft + 98);
  const double base = kHeight - kBottom;
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#888\"/>\n", kLeft,
                     base, kWidth - 10);
  svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.0f}%</text>\n", kLeft - 4,
                     kTop + 4, 100 * top);
  for (size_t i = 0; i < bins; ++i) {
    const double x = kLeft + slot * static_cast<double>(i) + slot * 0.1;
    const std::string label = escape(feature.bin_labels[i]);
    const double shares[2] = {feature.reference_share[i], feature.current_share[i]};
    const char* classes[2] = {"ref", "cur"};
    for (int s = 0; s < 2; ++s) {
      const double h = plot_height * shares[s] / top;
      svg += fmt::format(
          "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
          "<title>{}: {} {:.2f}%</title></rect>\n",
          classes[s], x + bar * s, base - h, bar, h, label, s == 0 ? "reference" : "data",
          100 * shares[s]);
    }
    const double cx = x + bar;
    svg += fmt::format(
        "<text x=\"{0:.1f}\" y=\"{1:.1f}\" text-anchor=\"end\" transform=\"rotate(-35 {0:.1f} "
        "{1:.1f})\">{2}</text>\n",
        cx, base + 12, label);
  }
  svg += "</svg>";
  return svg;
}

std::string feature_table(const DriftReport& drift) {
  std::string html =
      "<table><tr><th>feature</th><th>test</th><th>statistic</th><th>p-value</th>"
      "<th>adjusted p</th><th>alpha</th><th>PSI</th><th>min PSI</th><th>PSI threshold</th>"
      "<th>Wasserstein-1</th><th>values (data / reference)</th><th>verdict</th></tr>\n";
  for (const auto& f : drift.features) {
    const double statistic = f.categorical ? f.chi2->statistic : f.ks->statistic;
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{} / {}</td><td>{}</td></tr>\n",
        escape(f.name), f.categorical ? "chi-squared" : "Kolmogorov-Smirnov", num(statistic),
        num(f.verdict.pvalue), num(f.verdict.adjusted_pvalue), num(f.verdict.alpha),
        f.psi ? num(f.psi->psi) : "-", num(f.verdict.min_psi), num(f.verdict.psi_threshold),
        optional_num(f.wasserstein), f.current_count, f.reference_count,
        yes_no(f.verdict.drift) + (f.verdict.decisive ? " (decisive)" : ""));
  }
  return html + "</table>\n";
}

std::string findings_table(const QualityReport& quality) {
  if (quality.findings.empty()) return "<p class=\"good\">No findings.</p>\n";
  std::string html =
      "<table><tr><th>check</th><th>severity</th><th>finding</th><th>examples (device, row, "
      "value)</th></tr>\n";
  for (const auto& finding : quality.findings) {
    std::string examples;
    for (const auto& e : finding.examples) {
      examples += fmt::format("{}{}, row {}, {}{}", examples.empty() ? "" : "<br>",
                              escape(e.device.empty() ? "-" : e.device), e.row,
                              std::isnan(e.value) ? "missing" : fmt::format("{}", e.value),
                              e.detail.empty() ? "" : ": " + escape(e.detail));
    }
    html += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
                        to_string(finding.check), finding.fails ? "bad" : "warn",
                        finding.fails ? "error" : "warning", escape(finding.message), examples);
  }
  return html + "</table>\n";
}

}  // namespace

std::string to_html(const ValidationReport& report) {
  const DriftReport& drift = report.drift;
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>aiotops validate: {0}</title>\n<style>{1}</style>\n</head>\n<body>\n"
      "<h1>Validation of {0}</h1>\n<p>Reference: {2} ({3} rows). Data: {4} rows from {5} "
      "device(s).</p>\n",
      escape(report.data), kStyle, escape(report.reference), report.reference_rows,
      report.quality.rows, report.quality.devices);
  html += fmt::format("<p>Dataset: {}: {} of {} features drifted ({:.0f}%), {} decisively.</p>\n",
                      yes_no(drift.drift), drift.drifted, drift.features.size(),
                      100 * drift.drifted_share, drift.decisive);
  html += fmt::format("<p>Data quality: {}</p>\n", report.quality.ok
                                                       ? "<span class=\"good\">passed</span>"
                                                       : "<span class=\"bad\">failed</span>");
  html += "<h2>Features</h2>\n" + feature_table(drift);
  html += "<h2>Distributions</h2>\n";
  for (const auto& feature : drift.features) {
    html += fmt::format("<figure><figcaption>{} ({})</figcaption>\n{}\n</figure>\n",
                        escape(feature.name), feature.categorical ? "categories" : "PSI bins",
                        histogram_svg(feature));
  }
  html += "<h2>Data quality</h2>\n" + findings_table(report.quality);
  html += "<h2>Settings</h2>\n<pre>" + escape(report.settings.dump(2)) + "</pre>\n";
  return html + "</body>\n</html>\n";
}

}  // namespace aiotops::validate
