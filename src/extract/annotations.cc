#include "extract/annotations.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "extract/time_window.h"
#include "telemetry/csv_tokenizer.h"
#include "telemetry/number_text.h"

namespace aiotops::extract {
namespace {

std::string_view trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// The first row is a header when its `from` field is not a time.
bool is_header(const telemetry::CsvRecord& record) {
  return record.fields.size() >= 2 && !parse_time_point(trim(record.fields[1].text));
}

Result<Annotation> parse_row(const telemetry::CsvRecord& record, std::string_view source) {
  const size_t line = record.fields[0].line;
  const size_t count = record.fields.size();
  if (count != 4 && count != 5) {
    return fail(ErrorCode::kInvalidArgument,
                "{}:{}: expected 4 or 5 fields (device,from,to,label[,fault_type]), found {}",
                source, line, count);
  }
  Annotation a;
  a.line = line;
  a.device_id = std::string(trim(record.fields[0].text));
  if (a.device_id.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: empty device", source, line);
  }
  auto from = parse_time_point(trim(record.fields[1].text));
  if (!from) return fail(from.error().with_context(fmt::format("{}:{}: from", source, line)));
  auto to = parse_time_point(trim(record.fields[2].text));
  if (!to) return fail(to.error().with_context(fmt::format("{}:{}: to", source, line)));
  if (*from >= *to) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: the interval ends before it starts", source,
                line);
  }
  a.from_ms = *from;
  a.to_ms = *to;
  if (telemetry::parse_finite_double(record.fields[3].text, a.label) !=
      telemetry::RowProblem::kNone) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: label: not a finite number: {}", source, line,
                telemetry::excerpt(record.fields[3].text));
  }
  if (count == 5) a.fault_type = std::string(trim(record.fields[4].text));
  return a;
}

// Overlapping intervals of one device must agree on the label.
Status check_overlaps(std::vector<Annotation> sorted, std::string_view source) {
  std::sort(sorted.begin(), sorted.end(), [](const Annotation& a, const Annotation& b) {
    return std::tie(a.device_id, a.from_ms) < std::tie(b.device_id, b.from_ms);
  });
  for (size_t i = 1; i < sorted.size(); ++i) {
    // Against the interval reaching furthest among the device's earlier ones.
    const Annotation& b = sorted[i];
    for (size_t j = i; j-- > 0 && sorted[j].device_id == b.device_id;) {
      const Annotation& a = sorted[j];
      if (a.to_ms > b.from_ms && (a.label != b.label || a.fault_type != b.fault_type)) {
        return fail(ErrorCode::kInvalidArgument,
                    "{}:{}: overlaps the interval of line {} for device {} with another label",
                    source, std::max(a.line, b.line), std::min(a.line, b.line), b.device_id);
      }
    }
  }
  return {};
}

}  // namespace

Result<std::vector<Annotation>> parse_annotations(std::string_view text, std::string_view source) {
  telemetry::CsvTokenizer tokenizer(text);
  telemetry::CsvRecord record;
  std::vector<Annotation> annotations;
  bool first = true;
  while (tokenizer.next(record)) {
    if (record.blank()) continue;
    if (record.problem != telemetry::RowProblem::kNone) {
      return fail(ErrorCode::kInvalidArgument, "{}:{}: {}", source, record.problem_line,
                  telemetry::describe(record.problem));
    }
    const bool header = first && is_header(record);
    first = false;
    if (header) continue;
    auto annotation = parse_row(record, source);
    if (!annotation) return fail(annotation.error());
    annotations.push_back(std::move(*annotation));
  }
  if (tokenizer.unterminated_quote()) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: quoted field never closes", source,
                tokenizer.unterminated_line());
  }
  if (Status s = check_overlaps(annotations, source); !s) return fail(s.error());
  return annotations;
}

LabelReport apply_annotations(telemetry::Dataset& dataset,
                              const std::vector<Annotation>& annotations,
                              const LabelOptions& options) {
  std::map<std::string_view, std::vector<const Annotation*>> by_device;
  bool any_fault_type = false;
  for (const Annotation& a : annotations) {
    by_device[a.device_id].push_back(&a);
    any_fault_type = any_fault_type || !a.fault_type.empty();
  }
  LabelReport report;
  const size_t rows = dataset.rows();
  std::vector<double> labels(rows, 0);
  std::vector<std::string> fault_types(any_fault_type ? rows : 0);
  std::vector<size_t> kept;
  kept.reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    const int64_t t = dataset.timestamps_ms[r];
    const Annotation* hit = nullptr;
    if (auto it = by_device.find(dataset.device_ids[r]); it != by_device.end()) {
      for (const Annotation* a : it->second) {
        if (t >= a->from_ms && t < a->to_ms) {
          hit = a;
          break;
        }
      }
    }
    if (hit) {
      ++report.rows_in_intervals;
      labels[r] = hit->label;
      if (any_fault_type) fault_types[r] = hit->fault_type;
    } else {
      ++report.rows_outside;
      if (!options.outside_label) {
        ++report.rows_left_out;
        continue;
      }
      labels[r] = *options.outside_label;
      if (any_fault_type) fault_types[r] = options.outside_fault_type;
    }
    kept.push_back(r);
  }
  dataset.label_name = std::string(telemetry::kLabelColumn);
  dataset.labels = std::move(labels);
  dataset.fault_types = std::move(fault_types);
  if (kept.size() != rows) dataset = telemetry::select_rows(dataset, kept);
  return report;
}

}  // namespace aiotops::extract
