#include "healgrid/config/expression.hpp"

#include <muParser.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstdio>
#include <regex>
#include <vector>

#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

double logical_not(double x) { return x == 0 ? 1.0 : 0.0; }

// The largest |x| bit() was given at or beyond 2^53 during one evaluate(), or 0: there a double
// no longer holds every integer (a 64-bit flag's low bits are lost when it becomes a double),
// so evaluate() refuses the expression. Atomic: muparser's bulk mode may run on OpenMP threads.
std::atomic<double> beyond_exact_integers{0};
constexpr double kExactIntegers = 9007199254740992.0;  // 2^53

// A bit number bit() was given outside 0..63 (or not an integer) during one evaluate(), else
// NaN: evaluate() refuses the expression, since no bit is meant.
std::atomic<double> bad_bit_number{std::nan("")};

// Bit k of an integer flag (two's complement: bit 63 is a negative value's sign); NaN (no data)
// for a non-integral flag.
double bit(double x, double k) {
  if (!(k >= 0 && k <= 63 && k == std::floor(k))) {
    bad_bit_number = k;
    return std::nan("");
  }
  if (!(x == std::floor(x))) return std::nan("");
  if (std::fabs(x) >= kExactIntegers) {
    double seen = beyond_exact_integers.load();
    while (std::fabs(x) > seen &&
           !beyond_exact_integers.compare_exchange_weak(seen, std::fabs(x))) {
    }
    return std::nan("");
  }
  return static_cast<double>((static_cast<long long>(x) >> static_cast<int>(k)) & 1);
}

// Halves to even, as C's rint and numpy's (muparser's own rint rounds them up).
double round_half_even(double x) { return std::nearbyint(x); }

void configure(mu::Parser& p) {
  p.DefineFun("bit", bit);
  p.DefineFun("rint", round_half_even);
  // `not` below the comparisons and above `and`, as in Python: `not a == b` is not (a == b).
  p.DefineInfixOprt("!", logical_not, mu::prLOGIC);
  // No constant folding: `1e308 * x * 10` is (1e308 * x) * 10, as IEEE arithmetic reads it.
  p.EnableOptimizer(false);
}

// A bit number bit() met outside 0..63, during a parse or an evaluation: no bit is meant.
void refuse_bad_bit_number(const std::string& text) {
  if (const double k = bad_bit_number.load(); !std::isnan(k))
    throw ExpressionError("'" + text + "': bit(x, k) with k = " + number_text(k) +
                          ": a bit number is an integer 0..63");
}

// muparser's `=` assigns to a variable (the column it reads), and `a, b` gives several results
// of which the last is taken: neither is an expression of the config's meaning.
void refuse_assignments_and_lists(const std::string& text, const std::string& translated,
                                  mu::Parser& p) {
  static const std::regex assignment(R"((^|[^=<>!])=($|[^=]))");
  if (std::regex_search(translated, assignment))
    throw ExpressionError("'" + text + "': '=' assigns in muparser; compare with '=='");
  if (p.GetNumResults() != 1)
    throw ExpressionError("'" + text + "': " + std::to_string(p.GetNumResults()) +
                          " comma-separated expressions; give one");
}

// Python reads `0 <= x <= 1` as `0 <= x and x <= 1`, muparser as `(0 <= x) <= 1` (always true):
// two comparisons in one operand of `and`/`or` (at one depth of parentheses) are refused.
void refuse_comparison_chains(const std::string& text, const std::string& translated) {
  std::vector<int> compared = {0};  // per depth: comparisons since the last and/or/,/?/:
  for (std::size_t i = 0; i < translated.size(); ++i) {
    const char c = translated[i], next = i + 1 < translated.size() ? translated[i + 1] : '\0';
    if (c == '(') {
      compared.push_back(0);
    } else if (c == ')') {
      if (compared.size() > 1) compared.pop_back();
    } else if ((c == '&' && next == '&') || (c == '|' && next == '|')) {
      compared.back() = 0;
      ++i;
    } else if (c == ',' || c == '?' || c == ':') {
      compared.back() = 0;
    } else if (c == '<' || c == '>' || ((c == '=' || c == '!') && next == '=')) {
      if (++compared.back() > 1)
        throw ExpressionError("'" + text +
                              "': two comparisons in a row (a chain such as 0 <= x <= 1) would "
                              "compare the first one's 0 or 1, not as Python reads it: write "
                              "0 <= x and x <= 1");
      if (next == '=') ++i;
    }
  }
}

// `not X` as `!(X)`, X running to the next `and`/`or`, `?`, `:`, `,` or closing bracket of its
// own depth, as Python reads `not`: muparser refuses an operator right after another (`not
// not x` was "Unexpected operator "!""), not one after a bracket.
std::string parenthesise_not(std::string text, const std::regex& not_word) {
  std::vector<std::size_t> at;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), not_word);
       it != std::sregex_iterator(); ++it)
    at.push_back(static_cast<std::size_t>(it->position()));
  for (auto k = at.rbegin(); k != at.rend(); ++k) {  // innermost (rightmost) first
    std::size_t end = *k + 3;
    for (int depth = 0; end < text.size(); ++end) {
      const char c = text[end];
      if (c == '(') ++depth;
      if (c == ')' && --depth < 0) break;
      if (depth == 0 && (c == '?' || c == ':' || c == ',')) break;
      if (depth == 0 && end + 1 < text.size() &&
          ((c == '&' && text[end + 1] == '&') || (c == '|' && text[end + 1] == '|')))
        break;
    }
    text.insert(end, ")");
    text.replace(*k, 3, "!(");
  }
  return text;
}

}  // namespace

std::string translate_expression(const std::string& text) {
  // `x in {a, b}` -> (x==a||x==b): the items must be numbers.
  static const std::regex in_set(R"(\b([A-Za-z_]\w*)\s+in\s*\{([^}]*)\})");
  std::string out;
  auto begin = text.cbegin();
  for (std::smatch m; std::regex_search(begin, text.cend(), m, in_set); begin = m[0].second) {
    out.append(begin, m[0].first);
    std::string items = m[2].str(), alternatives;
    for (std::size_t pos = 0; pos <= items.size();) {
      const auto comma = std::min(items.find(',', pos), items.size());
      const auto item = trimmed(items.substr(pos, comma - pos));
      std::size_t used = 0;
      try {
        std::stod(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (item.empty() || used != item.size())
        throw ExpressionError("'" + m[0].str() + "': set items must be numbers");
      alternatives += (alternatives.empty() ? "" : "||") + m[1].str() + "==" + item;
      pos = comma + 1;
    }
    out += "(" + alternatives + ")";
  }
  out.append(begin, text.cend());
  static const std::regex other_in(R"(\bin\s*\{)");
  if (std::regex_search(out, other_in))
    throw ExpressionError("'" + text +
                          "': 'in {...}' takes a variable's bare name on its left (x in {1, 2}); "
                          "for another expression write (e == 1 or e == 2)");
  static const std::regex and_word(R"(\band\b)"), or_word(R"(\bor\b)"), not_word(R"(\bnot\b)");
  out = std::regex_replace(out, and_word, "&&");
  out = std::regex_replace(out, or_word, "||");
  return parenthesise_not(out, not_word);
}

Expression::Expression(const std::string& text, const std::vector<std::string>& known,
                       const std::vector<std::string>& derived)
    : text_(text), parser_(std::make_unique<mu::Parser>()) {
  configure(*parser_);
  std::vector<double> dummy(known.size(), 1.0);
  const auto translated = translate_expression(text);
  try {
    for (std::size_t i = 0; i < known.size(); ++i) parser_->DefineVar(known[i], &dummy[i]);
    parser_->SetExpr(translated);
    for (const auto& [name, ptr] : parser_->GetUsedVar()) inputs_.push_back(name);
    bad_bit_number = std::nan("");
    parser_->Eval();  // with every variable 1: a constant bit number out of range shows here
  } catch (const mu::Parser::exception_type& e) {
    const auto token = e.GetToken();
    if (std::find(derived.begin(), derived.end(), token) != derived.end())
      throw ExpressionError("'" + text + "': '" + token +
                            "' is a derived variable, and expressions are over the dataset "
                            "variables only: write its expression out here");
    throw ExpressionError("'" + text + "': " + e.GetMsg());
  }
  refuse_assignments_and_lists(text, translated, *parser_);
  refuse_comparison_chains(text, translated);
  refuse_bad_bit_number(text);
  parser_->ClearVar();  // evaluate() binds the arrays of each chunk
}

Expression::~Expression() = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

void Expression::evaluate(const std::vector<const double*>& inputs, std::size_t n, double* out) {
  constexpr std::size_t kBulk = std::size_t{1} << 20;  // muparser counts in int
  beyond_exact_integers = 0;
  bad_bit_number = std::nan("");
  for (std::size_t first = 0; first < n; first += kBulk) {
    const auto count = std::min(kBulk, n - first);
    try {
      // muparser reads the variables (bulk mode: element i of each array) and never writes them.
      for (std::size_t k = 0; k < inputs_.size(); ++k)
        parser_->DefineVar(inputs_[k], const_cast<double*>(inputs.at(k) + first));
      if (inputs_.empty()) {
        std::fill(out + first, out + first + count, parser_->Eval());
      } else {
        parser_->Eval(out + first, static_cast<int>(count));
      }
    } catch (const mu::Parser::exception_type& e) {
      throw ExpressionError("'" + text_ + "': " + e.GetMsg());
    }
  }
  refuse_bad_bit_number(text_);
  if (const double x = beyond_exact_integers.load(); x > 0) {
    throw ExpressionError("'" + text_ + "': bit(x, k) of x = " + number_text(x) +
                          ", beyond 2^53: the value is read as a float64, which no longer holds " +
                          "every integer there, so its low bits are lost");
  }
}

}  // namespace healgrid
