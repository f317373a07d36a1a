#include "telemetry/csv_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "common/files.h"
#include "telemetry/csv_tokenizer.h"
#include "telemetry/jsonl_reader.h"
#include "telemetry/number_text.h"

namespace aiotops::telemetry {
namespace {

// The reference system's headerless CSV columns (the last only in labelled files).
constexpr std::array<std::string_view, 7> kReferenceColumns{
    kDeviceIdColumn, kTimestampColumn, "current",   "temperature",
    "vibration",     "sound",          kLabelColumn};

bool is_number(std::string_view text) {
  double ignored = 0;
  return parse_finite_double(text, ignored) == RowProblem::kNone;
}

bool is_headerless_reference(const CsvRecord& first) {
  size_t count = first.fields.size();
  if (count != 6 && count != 7) return false;
  return std::all_of(first.fields.begin() + 1, first.fields.end(),
                     [](const CsvField& field) { return is_number(field.text); });
}

// Which columns of the file land where in the Dataset.
struct Layout {
  std::vector<std::string> columns;  // every column's name, in file order
  std::vector<size_t> features;      // column index of each selected feature
  std::optional<size_t> label;
  std::optional<size_t> device_id;
  std::optional<size_t> timestamp;
  std::optional<size_t> fault_type;
};

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", name);
  return out;
}

// The index of the column called `name`: nullopt when absent, an error when it is ambiguous.
Result<std::optional<size_t>> find_column(const std::vector<std::string>& columns,
                                          std::string_view name, std::string_view source) {
  auto first = std::find(columns.begin(), columns.end(), name);
  if (first == columns.end()) return std::optional<size_t>();
  if (std::find(first + 1, columns.end(), name) != columns.end()) {
    return fail(ErrorCode::kInvalidArgument, "{}: column \"{}\" appears more than once", source,
                name);
  }
  return std::optional<size_t>(static_cast<size_t>(first - columns.begin()));
}

Result<size_t> require_column(const std::vector<std::string>& columns, std::string_view name,
                              std::string_view role, std::string_view source) {
  auto index = find_column(columns, name, source);
  if (!index) return fail(index.error());
  if (!*index) {
    return fail(ErrorCode::kInvalidArgument, "{}: no {} column \"{}\"; available columns: {}",
                source, role, name, quoted_list(columns));
  }
  return **index;
}

bool is_special_column(std::string_view name, std::string_view label) {
  return name == label || name == kDeviceIdColumn || name == kTimestampColumn ||
         name == kFaultTypeColumn;
}

// Selected column names travel into JSON (statistics, model files), which must be UTF-8.
Result<Layout> check_names_utf8(Layout layout, std::string_view source) {
  auto check = [&](size_t column) -> Status {
    const std::string& name = layout.columns[column];
    if (simdjson::validate_utf8(name.data(), name.size())) return {};
    return fail(ErrorCode::kInvalidArgument, "{}: the name of column {} is not valid UTF-8: {}",
                source, column + 1, excerpt(name));
  };
  for (size_t column : layout.features) {
    if (auto status = check(column); !status) return fail(status.error());
  }
  if (layout.label) {
    if (auto status = check(*layout.label); !status) return fail(status.error());
  }
  return layout;
}

// Resolves options against the header. `first_row` (may be null when the file has no data
// rows) decides which columns are numeric when no features are named.
Result<Layout> resolve_layout(std::vector<std::string> columns, const CsvRecord* first_row,
                              const ReadOptions& options, std::string_view source) {
  Layout layout;
  layout.columns = std::move(columns);
  const auto& names = layout.columns;
  if (!options.label.empty()) {
    auto label = require_column(names, options.label, "label", source);
    if (!label) return fail(label.error());
    layout.label = *label;
  } else {
    auto label = find_column(names, kLabelColumn, source);
    if (!label) return fail(label.error());
    layout.label = *label;
  }
  std::string_view label_name = layout.label ? std::string_view(names[*layout.label]) : "";
  for (auto [name, slot] : {std::pair{kDeviceIdColumn, &layout.device_id},
                            std::pair{kTimestampColumn, &layout.timestamp},
                            std::pair{kFaultTypeColumn, &layout.fault_type}}) {
    auto index = find_column(names, name, source);
    if (!index) return fail(index.error());
    *slot = *index;
  }

  if (!options.features.empty()) {
    for (size_t i = 0; i < options.features.size(); ++i) {
      const std::string& name = options.features[i];
      if (name == label_name) {
        return fail(ErrorCode::kInvalidArgument,
                    "{}: column \"{}\" is the label; it cannot also "
                    "be a feature",
                    source, name);
      }
      if (std::find(options.features.begin(), options.features.begin() + i, name) !=
          options.features.begin() + i) {
        return fail(ErrorCode::kInvalidArgument, "{}: feature \"{}\" is named twice", source, name);
      }
      auto index = require_column(names, name, "feature", source);
      if (!index) return fail(index.error());
      layout.features.push_back(*index);
    }
    return check_names_utf8(std::move(layout), source);
  }
  if (first_row == nullptr) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: no data rows to tell numeric columns from; name the features", source);
  }
  for (size_t i = 0; i < names.size() && i < first_row->fields.size(); ++i) {
    if (!is_special_column(names[i], label_name) && is_number(first_row->fields[i].text)) {
      if (auto unique = find_column(names, names[i], source); !unique) return fail(unique.error());
      layout.features.push_back(i);
    }
  }
  if (layout.features.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: no numeric feature columns in the first data row; columns: {}", source,
                quoted_list(names));
  }
  return check_names_utf8(std::move(layout), source);
}

// Reads one record into `dataset`, or reports it as a bad row through `tracker`.
class RowReader {
 public:
  RowReader(const Layout& layout, std::string_view source, bool missing_as_nan, Dataset& dataset,
            BadRowTracker& tracker)
      : layout_(layout),
        source_(source),
        missing_as_nan_(missing_as_nan),
        dataset_(dataset),
        tracker_(tracker),
        values_(layout.features.size()) {}

  Status read(const CsvRecord& record) {
    if (record.problem != RowProblem::kNone) {
      return tracker_.reject(record.problem,
                             fmt::format("{}:{}:{}: text after a closing quote", source_,
                                         record.problem_line, record.problem_column));
    }
    const size_t expected = layout_.columns.size();
    if (record.fields.size() != expected) {
      bool extra = record.fields.size() > expected;
      size_t line = extra ? record.fields[expected].line : record.end_line;
      size_t column = extra ? record.fields[expected].column : record.end_column;
      return tracker_.reject(RowProblem::kFieldCount,
                             fmt::format("{}:{}:{}: expected {} fields, found {}", source_, line,
                                         column, expected, record.fields.size()));
    }
    for (size_t i = 0; i < values_.size(); ++i) {
      const size_t column = layout_.features[i];
      if (auto problem = number(record, column, values_[i]); problem != RowProblem::kNone) {
        if (missing_as_nan_ && is_missing_text(record.fields[column].text)) {
          values_[i] = std::numeric_limits<double>::quiet_NaN();
          continue;
        }
        return reject_value(record, column, problem);
      }
    }
    double label = 0;
    if (layout_.label) {
      if (auto problem = number(record, *layout_.label, label); problem != RowProblem::kNone) {
        return reject_value(record, *layout_.label, problem);
      }
    }
    int64_t timestamp = 0;
    if (layout_.timestamp) {
      auto problem = parse_timestamp_ms(record.fields[*layout_.timestamp].text, timestamp);
      if (problem != RowProblem::kNone) return reject_value(record, *layout_.timestamp, problem);
    }
    dataset_.features.insert(dataset_.features.end(), values_.begin(), values_.end());
    if (layout_.label) dataset_.labels.push_back(label);
    if (layout_.timestamp) dataset_.timestamps_ms.push_back(timestamp);
    if (layout_.device_id) dataset_.device_ids.emplace_back(record.fields[*layout_.device_id].text);
    if (layout_.fault_type) {
      dataset_.fault_types.emplace_back(record.fields[*layout_.fault_type].text);
    }
    tracker_.accept();
    return {};
  }

 private:
  static RowProblem number(const CsvRecord& record, size_t column, double& out) {
    return parse_finite_double(record.fields[column].text, out);
  }

  Status reject_value(const CsvRecord& record, size_t column, RowProblem problem) {
    const CsvField& field = record.fields[column];
    std::string detail(describe(problem));
    if (problem != RowProblem::kEmptyValue) detail += ": " + excerpt(field.text);
    return tracker_.reject(
        problem, fmt::format("{}:{}:{}: column \"{}\" (field {}): {}", source_, field.line,
                             field.column, layout_.columns[column], column + 1, detail));
  }

  const Layout& layout_;
  std::string_view source_;
  bool missing_as_nan_;
  Dataset& dataset_;
  BadRowTracker& tracker_;
  std::vector<double> values_;
};

// Reads records until one is not blank; false at the end of the text.
bool next_nonblank(CsvTokenizer& tokenizer, CsvRecord& record) {
  while (tokenizer.next(record)) {
    if (!record.blank()) return true;
  }
  return false;
}

Status check_quotes_closed(const CsvTokenizer& tokenizer, std::string_view source) {
  if (!tokenizer.unterminated_quote()) return {};
  return fail(ErrorCode::kInvalidArgument, "{}:{}:{}: quoted field never closes", source,
              tokenizer.unterminated_line(), tokenizer.unterminated_column());
}

}  // namespace

Result<Dataset> parse_csv(std::string_view text, std::string_view source_name,
                          const ReadOptions& options, BadRowReport* report) {
  BadRowTracker tracker(options, report);
  CsvTokenizer tokenizer(text);
  CsvRecord record;
  if (!next_nonblank(tokenizer, record)) {
    return fail(ErrorCode::kInvalidArgument, "{}: empty: no header and no rows", source_name);
  }
  if (auto status = check_quotes_closed(tokenizer, source_name); !status) {
    return fail(status.error());
  }
  std::vector<std::string> columns;
  bool have_row = true;
  if (is_headerless_reference(record)) {
    columns.assign(kReferenceColumns.begin(), kReferenceColumns.begin() + record.fields.size());
  } else {
    if (record.problem != RowProblem::kNone) {
      return fail(ErrorCode::kInvalidArgument, "{}:{}:{}: header: text after a closing quote",
                  source_name, record.problem_line, record.problem_column);
    }
    for (const auto& field : record.fields) columns.emplace_back(field.text);
    have_row = next_nonblank(tokenizer, record);
  }
  auto layout =
      resolve_layout(std::move(columns), have_row ? &record : nullptr, options, source_name);
  if (!layout) return fail(layout.error());

  Dataset dataset;
  for (size_t column : layout->features) dataset.feature_names.push_back(layout->columns[column]);
  if (layout->label) dataset.label_name = layout->columns[*layout->label];
  size_t estimated_rows = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  dataset.features.reserve(estimated_rows * layout->features.size());
  if (layout->label) dataset.labels.reserve(estimated_rows);
  if (layout->timestamp) dataset.timestamps_ms.reserve(estimated_rows);
  if (layout->device_id) dataset.device_ids.reserve(estimated_rows);

  RowReader reader(*layout, source_name, options.missing_as_nan, dataset, tracker);
  for (; have_row; have_row = tokenizer.next(record)) {
    if (auto status = check_quotes_closed(tokenizer, source_name); !status) {
      return fail(status.error());
    }
    if (record.blank()) continue;
    if (auto status = reader.read(record); !status) return fail(status.error());
  }
  return dataset;
}

Result<Dataset> read_dataset(const std::filesystem::path& path, const ReadOptions& options,
                             BadRowReport* report) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool csv = extension == ".csv";
  if (!csv && extension != ".jsonl" && extension != ".ndjson" && extension != ".json") {
    return fail(ErrorCode::kInvalidArgument,
                "{}: unknown dataset format; expected a .csv, .jsonl, .ndjson or .json file",
                path.string());
  }
  auto text = read_file(path);
  if (!text) return fail(text.error());
  return csv ? parse_csv(*text, path.string(), options, report)
             : parse_jsonl(*text, path.string(), options, report);
}

}  // namespace aiotops::telemetry
