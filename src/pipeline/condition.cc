#include "pipeline/condition.h"

#include <cctype>
#include <charconv>
#include <regex>
#include <string>
#include <variant>

#include <fmt/format.h>

namespace aiotops::pipeline {
namespace {

using Value = std::variant<bool, double, std::string>;

std::string_view type_name(const Value& value) {
  if (std::holds_alternative<bool>(value)) return "boolean";
  if (std::holds_alternative<double>(value)) return "number";
  return "string";
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
}

// Recursive descent: or > and > comparison > unary > primary, evaluating as it parses.
class ConditionParser {
 public:
  explicit ConditionParser(std::string_view text) : text_(text) {}

  Result<bool> run() {
    auto value = parse_or();
    if (!value) return fail(value.error());
    skip_spaces();
    if (pos_ != text_.size()) return error("unexpected text at column {}", pos_ + 1);
    if (!std::holds_alternative<bool>(*value)) {
      return error("the result is a {}, not a boolean", type_name(*value));
    }
    return std::get<bool>(*value);
  }

 private:
  template <typename... Args>
  std::unexpected<Error> error(fmt::format_string<Args...> format, Args&&... args) const {
    return fail(ErrorCode::kInvalidArgument, "when '{}': {}", text_,
                fmt::format(format, std::forward<Args>(args)...));
  }

  void skip_spaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) {
      ++pos_;
    }
  }

  bool accept(std::string_view token) {
    skip_spaces();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  Result<bool> as_bool(const Value& value, std::string_view op) const {
    if (std::holds_alternative<bool>(value)) return std::get<bool>(value);
    return error("'{}' needs booleans, got a {}", op, type_name(value));
  }

  // Both sides are parsed even when the left decides, so syntax errors are never hidden.
  Result<Value> parse_or() {
    auto left = parse_and();
    while (left && accept("||")) {
      auto right = parse_and();
      if (!right) return right;
      auto a = as_bool(*left, "||");
      auto b = as_bool(*right, "||");
      if (!a) return fail(a.error());
      if (!b) return fail(b.error());
      left = Value(*a || *b);
    }
    return left;
  }

  Result<Value> parse_and() {
    auto left = parse_comparison();
    while (left && accept("&&")) {
      auto right = parse_comparison();
      if (!right) return right;
      auto a = as_bool(*left, "&&");
      auto b = as_bool(*right, "&&");
      if (!a) return fail(a.error());
      if (!b) return fail(b.error());
      left = Value(*a && *b);
    }
    return left;
  }

  Result<Value> parse_comparison() {
    auto left = parse_unary();
    if (!left) return left;
    static constexpr std::string_view kOperators[] = {"==", "!=", "<=", ">=", "=~", "!~", "<", ">"};
    for (std::string_view op : kOperators) {
      if (!accept(op)) continue;
      auto right = parse_unary();
      if (!right) return right;
      return compare(*left, op, *right);
    }
    return left;
  }

  Result<Value> compare(const Value& left, std::string_view op, const Value& right) const {
    if (op == "==") return Value(left == right);
    if (op == "!=") return Value(left != right);
    if (op == "=~" || op == "!~") {
      if (!std::holds_alternative<std::string>(left) ||
          !std::holds_alternative<std::string>(right)) {
        return error("'{}' needs strings", op);
      }
      try {
        const bool found = std::regex_search(std::get<std::string>(left),
                                             std::regex(std::get<std::string>(right)));
        return Value(op == "=~" ? found : !found);
      } catch (const std::regex_error&) {
        return error("bad regular expression '{}'", std::get<std::string>(right));
      }
    }
    if (left.index() != right.index() || std::holds_alternative<bool>(left)) {
      return error("'{}' compares two numbers or two strings, got a {} and a {}", op,
                   type_name(left), type_name(right));
    }
    const auto ordering = left <=> right;
    if (op == "<") return Value(ordering < 0);
    if (op == "<=") return Value(ordering <= 0);
    if (op == ">") return Value(ordering > 0);
    return Value(ordering >= 0);
  }

  Result<Value> parse_unary() {
    if (accept("!")) {
      auto operand = parse_unary();
      if (!operand) return operand;
      auto b = as_bool(*operand, "!");
      if (!b) return fail(b.error());
      return Value(!*b);
    }
    if (accept("-")) {
      auto operand = parse_unary();
      if (!operand) return operand;
      if (!std::holds_alternative<double>(*operand)) return error("'-' needs a number");
      return Value(-std::get<double>(*operand));
    }
    return parse_primary();
  }

  Result<Value> parse_primary() {
    if (accept("(")) {
      auto inner = parse_or();
      if (!inner) return inner;
      if (!accept(")")) return error("expected ')' at column {}", pos_ + 1);
      return inner;
    }
    skip_spaces();
    if (pos_ == text_.size()) return error("expected a value at the end");
    const char c = text_[pos_];
    if (c == '\'' || c == '"') return parse_string(c);
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) return parse_number();
    if (is_word_char(c)) {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
      const std::string_view word = text_.substr(start, pos_ - start);
      if (word == "true") return Value(true);
      if (word == "false") return Value(false);
      return Value(std::string(word));
    }
    return error("unexpected '{}' at column {} (quote values that hold it)", c, pos_ + 1);
  }

  Result<Value> parse_string(char quote) {
    const std::size_t start = ++pos_;
    const std::size_t end = text_.find(quote, start);
    if (end == std::string_view::npos) return error("unterminated string at column {}", start);
    pos_ = end + 1;
    return Value(std::string(text_.substr(start, end - start)));
  }

  Result<Value> parse_number() {
    double value = 0;
    const char* begin = text_.data() + pos_;
    auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), value);
    if (ec != std::errc()) return error("bad number at column {}", pos_ + 1);
    pos_ += static_cast<std::size_t>(end - begin);
    // "1abc" is a word in govaluate's eyes only when it starts with a letter; here it is an error.
    if (pos_ < text_.size() && is_word_char(text_[pos_]) && text_[pos_] != '.') {
      return error("bad number at column {}", pos_ + 1);
    }
    return Value(value);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<bool> evaluate_condition(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return true;
  return ConditionParser(text).run();
}

}  // namespace aiotops::pipeline
