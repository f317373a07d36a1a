#include "pipeline/condition.h"

#include <cctype>
#include <charconv>
#include <regex>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "pipeline/text_cursor.h"

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
  explicit ConditionParser(std::string_view text) : cursor_(text) {}

  Result<bool> run() {
    auto value = parse_or();
    if (!value) return fail(value.error());
    cursor_.skip_spaces();
    if (!cursor_.at_end()) return error("unexpected text at column {}", cursor_.column());
    if (!std::holds_alternative<bool>(*value)) {
      return error("the result is a {}, not a boolean", type_name(*value));
    }
    return std::get<bool>(*value);
  }

 private:
  template <typename... Args>
  std::unexpected<Error> error(fmt::format_string<Args...> format, Args&&... args) const {
    return fail(ErrorCode::kInvalidArgument, "when '{}': {}", cursor_.text(),
                fmt::format(format, std::forward<Args>(args)...));
  }

  Result<bool> as_bool(const Value& value, std::string_view op) const {
    if (std::holds_alternative<bool>(value)) return std::get<bool>(value);
    return error("'{}' needs booleans, got a {}", op, type_name(value));
  }

  // Both sides are parsed even when the left decides, so syntax errors are never hidden.
  Result<Value> parse_or() {
    auto left = parse_and();
    while (left && cursor_.accept("||")) {
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
    while (left && cursor_.accept("&&")) {
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
      if (!cursor_.accept(op)) continue;
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
    if (cursor_.accept("!")) {
      auto operand = parse_unary();
      if (!operand) return operand;
      auto b = as_bool(*operand, "!");
      if (!b) return fail(b.error());
      return Value(!*b);
    }
    if (cursor_.accept("-")) {
      auto operand = parse_unary();
      if (!operand) return operand;
      if (!std::holds_alternative<double>(*operand)) return error("'-' needs a number");
      return Value(-std::get<double>(*operand));
    }
    return parse_primary();
  }

  Result<Value> parse_primary() {
    if (cursor_.accept("(")) {
      auto inner = parse_or();
      if (!inner) return inner;
      if (!cursor_.accept(")")) return error("expected ')' at column {}", cursor_.column());
      return inner;
    }
    cursor_.skip_spaces();
    if (cursor_.at_end()) return error("expected a value at the end");
    const char c = cursor_.peek();
    if (c == '\'' || c == '"') return parse_string(c);
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) return parse_number();
    if (is_word_char(c)) {
      const std::string_view word = cursor_.take_while(is_word_char);
      if (word == "true") return Value(true);
      if (word == "false") return Value(false);
      return Value(std::string(word));
    }
    return error("unexpected '{}' at column {} (quote values that hold it)", c, cursor_.column());
  }

  Result<Value> parse_string(char quote) {
    cursor_.advance();
    const std::size_t start = cursor_.pos();
    const std::string_view text = cursor_.take_while([quote](char c) { return c != quote; });
    if (cursor_.at_end()) return error("unterminated string at column {}", start);
    cursor_.advance();
    return Value(std::string(text));
  }

  Result<Value> parse_number() {
    double value = 0;
    const std::string_view rest = cursor_.text().substr(cursor_.pos());
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc()) return error("bad number at column {}", cursor_.column());
    cursor_.advance(static_cast<std::size_t>(end - rest.data()));
    // govaluate reads "3abc" as a number and a word; refuse it rather than guess.
    if (is_word_char(cursor_.peek()) && cursor_.peek() != '.') {
      return error("bad number at column {}", cursor_.column());
    }
    return Value(value);
  }

  TextCursor cursor_;
};

}  // namespace

Result<bool> evaluate_condition(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return true;
  return ConditionParser(text).run();
}

}  // namespace aiotops::pipeline
