#pragma once
// `when` conditions, evaluated like Argo's (govaluate, after variable substitution):
// ==, !=, <, <=, >, >=, =~ and !~ (regular expressions, ECMAScript syntax), &&, ||, !, unary -,
// parentheses, numbers, 'single' and "double" quoted strings, true and false. A bare word
// (letters, digits, '_', '.') is a string, as Argo turns govaluate's variables into strings, so
// `heads == heads` holds. Numbers compare as numbers; a number never equals a string; ordering
// compares two numbers or two strings. Thread-safe (no shared state).

#include <string_view>

#include "common/error.h"

namespace aiotops::pipeline {

// Whether the condition holds; an empty text holds. Fails with kInvalidArgument
// "when 'text': what" on a syntax error, mismatched operand types or a non-boolean result.
Result<bool> evaluate_condition(std::string_view text);

}  // namespace aiotops::pipeline
