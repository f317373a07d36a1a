#pragma once
// Splits CSV text (RFC 4180) into records of fields, keeping the line and column where each
// field starts so that errors can point at it. Handles a UTF-8 byte-order mark, LF and CRLF
// line ends, quoted fields with embedded commas, doubled quotes and line breaks.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/row_problem.h"

namespace aiotops::telemetry {

struct CsvField {
  std::string_view text;  // unquoted and unescaped; valid until the next CsvTokenizer::next()
  size_t line = 0;        // 1-based line where the field starts
  size_t column = 0;      // 1-based byte column where the field starts
  bool quoted = false;
};

struct CsvRecord {
  std::vector<CsvField> fields;
  size_t end_line = 0;  // where the record's line break (or the end of text) is
  size_t end_column = 0;
  // kBadQuoting when a closing quote is followed by other text (the field keeps the quoted
  // part). A quote that never closes is reported by CsvTokenizer::unterminated_quote(); its
  // field runs to the end of the text.
  RowProblem problem = RowProblem::kNone;
  size_t problem_line = 0;
  size_t problem_column = 0;
  std::vector<std::string> unescaped;  // storage for fields that held doubled quotes

  // An empty line: one unquoted, empty field.
  bool blank() const { return fields.size() == 1 && !fields[0].quoted && fields[0].text.empty(); }
};

// Not thread-safe; `text` must outlive the tokenizer and the records it fills.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(std::string_view text);

  // Fills `record` (reusing its capacity) with the next record and returns true, or returns
  // false at the end of the text. A final line break does not start another record.
  bool next(CsvRecord& record);
  // True when a quoted field ran to the end of the text without its closing quote; the
  // position of its opening quote is unterminated_line() / unterminated_column().
  bool unterminated_quote() const { return unterminated_line_ != 0; }
  size_t unterminated_line() const { return unterminated_line_; }
  size_t unterminated_column() const { return unterminated_column_; }

 private:
  void break_line(size_t newline_position);
  void read_quoted(CsvRecord& record, CsvField& field, bool& escaped);

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0;
  size_t unterminated_line_ = 0;  // 0: every quote closed
  size_t unterminated_column_ = 0;
};

}  // namespace aiotops::telemetry
