#pragma once
// A read position in a one-line expression, shared by the `depends` and `when` parsers: skips
// blanks and matches tokens. A view: the text must outlive the cursor. Not synchronised.

#include <cctype>
#include <cstddef>
#include <string_view>

namespace aiotops::pipeline {

class TextCursor {
 public:
  explicit TextCursor(std::string_view text) : text_(text) {}

  std::string_view text() const { return text_; }
  std::size_t pos() const { return pos_; }
  std::size_t column() const { return pos_ + 1; }  // 1-based, for messages
  void set_pos(std::size_t pos) { pos_ = pos; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void advance(std::size_t count = 1) { pos_ += count; }

  void skip_spaces() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
  }

  // After blanks: consumes `token` and returns true when the text continues with it.
  bool accept(std::string_view token) {
    skip_spaces();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  // Consumes characters while `keep(c)` holds; returns them.
  template <typename Keep>
  std::string_view take_while(Keep&& keep) {
    const std::size_t start = pos_;
    while (!at_end() && keep(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace aiotops::pipeline
