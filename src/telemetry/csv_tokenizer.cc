#include "telemetry/csv_tokenizer.h"

namespace aiotops::telemetry {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Replaces each doubled quote by one quote.
void unescape_quotes(std::string_view text, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') ++i;
  }
}

}  // namespace

CsvTokenizer::CsvTokenizer(std::string_view text) : text_(text) {
  if (text_.starts_with(kByteOrderMark)) {
    pos_ = kByteOrderMark.size();
    line_start_ = pos_;  // columns count from the first visible character
  }
}

void CsvTokenizer::break_line(size_t newline_position) {
  ++line_;
  line_start_ = newline_position + 1;
}

void CsvTokenizer::read_quoted(CsvRecord& record, CsvField& field, bool& escaped) {
  const char* data = text_.data();
  const size_t size = text_.size();
  field.quoted = true;
  const size_t start = ++pos_;  // past the opening quote
  while (true) {
    if (pos_ >= size) {
      unterminated_line_ = field.line;
      unterminated_column_ = field.column;
      field.text = text_.substr(start);
      return;
    }
    char c = data[pos_];
    if (c == '"') {
      if (pos_ + 1 < size && data[pos_ + 1] == '"') {
        escaped = true;
        pos_ += 2;
        continue;
      }
      field.text = text_.substr(start, pos_ - start);
      ++pos_;
      break;
    }
    if (c == '\n') break_line(pos_);
    ++pos_;
  }
  if (pos_ >= size || data[pos_] == ',' || data[pos_] == '\n') return;
  if (data[pos_] == '\r' && (pos_ + 1 == size || data[pos_ + 1] == '\n')) {
    ++pos_;  // the CR of a CRLF line end
    return;
  }
  // Text after the closing quote: the record is malformed; skip to the field's end.
  if (record.problem == RowProblem::kNone) {
    record.problem = RowProblem::kBadQuoting;
    record.problem_line = line_;
    record.problem_column = pos_ - line_start_ + 1;
  }
  while (pos_ < size && data[pos_] != ',' && data[pos_] != '\n') ++pos_;
}

bool CsvTokenizer::next(CsvRecord& record) {
  const char* data = text_.data();
  const size_t size = text_.size();
  if (pos_ >= size) return false;
  record.fields.clear();
  record.problem = RowProblem::kNone;
  bool escaped = false;
  while (true) {
    CsvField field;
    field.line = line_;
    field.column = pos_ - line_start_ + 1;
    if (pos_ < size && data[pos_] == '"') {
      read_quoted(record, field, escaped);
    } else {
      size_t start = pos_;
      while (pos_ < size && data[pos_] != ',' && data[pos_] != '\n') ++pos_;
      size_t end = pos_;
      if (end > start && data[end - 1] == '\r' && (pos_ == size || data[pos_] == '\n')) --end;
      field.text = text_.substr(start, end - start);
    }
    record.fields.push_back(field);
    if (pos_ < size && data[pos_] == ',') {
      ++pos_;
      continue;
    }
    size_t end = pos_;
    if (end > line_start_ && data[end - 1] == '\r') --end;
    record.end_line = line_;
    record.end_column = end - line_start_ + 1;
    if (pos_ < size) {  // data[pos_] == '\n'
      break_line(pos_);
      ++pos_;
    }
    break;
  }
  if (escaped) {
    if (record.unescaped.size() < record.fields.size())
      record.unescaped.resize(record.fields.size());
    for (size_t i = 0; i < record.fields.size(); ++i) {
      CsvField& field = record.fields[i];
      if (!field.quoted || field.text.find('"') == std::string_view::npos) continue;
      unescape_quotes(field.text, record.unescaped[i]);
      field.text = record.unescaped[i];
    }
  }
  return true;
}

}  // namespace aiotops::telemetry
