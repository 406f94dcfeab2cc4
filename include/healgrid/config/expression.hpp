// An arithmetic / logical expression over config variables, evaluated in bulk over whole chunks
// of columns with muparser (never one point at a time through an interpreter). Syntax: muparser's
// (+ - * / ^, comparisons, && ||, functions abs sqrt sin ... min max), plus `and`, `or`, `not`,
// `x in {a, b, c}` (equal to one of the numbers) and `bit(x, k)` (bit k of an integer flag, 0 or
// 1; refused for |x| >= 2^53, where a float64 loses the low bits). `not` binds below the
// comparisons, as in Python; `rint` rounds halves to even; no constant folding (IEEE order).
// A filter keeps a point where its expression is non-zero; NaN never passes.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mu {
class Parser;
}

namespace healgrid {

class ExpressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Expression {
 public:
  // Parses `text` over the variables `known`; throws ExpressionError (syntax error, unknown
  // name, `=`, a comma list; a name of `derived` is named as a derived variable). inputs()
  // lists the names it uses, in the order evaluate() takes them.
  Expression(const std::string& text, const std::vector<std::string>& known,
             const std::vector<std::string>& derived = {});
  ~Expression();
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  const std::string& text() const { return text_; }
  const std::vector<std::string>& inputs() const { return inputs_; }

  // out[i] = the expression of inputs[k][i] for i < n. Throws ExpressionError when bit(x, k)
  // met an |x| >= 2^53 (a 64-bit flag whose low bits the float64 lost) or a k outside 0..63.
  void evaluate(const std::vector<const double*>& inputs, std::size_t n, double* out);

 private:
  std::string text_;
  std::vector<std::string> inputs_;
  std::unique_ptr<mu::Parser> parser_;
};

// The muparser form of the config syntax (and/or/not, `in` sets); exposed for the tests.
std::string translate_expression(const std::string& text);

}  // namespace healgrid
