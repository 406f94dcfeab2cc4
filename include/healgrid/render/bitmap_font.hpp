// A built-in 5x7 pixel font for printable ASCII (32..126), so images carry text without a font
// package. Each glyph is 7 rows of 5 columns; text advances 6 columns per character and is
// drawn at an integer scale (each font pixel becomes scale x scale image pixels).
#pragma once

#include <array>
#include <string>

namespace healgrid {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;
constexpr int kGlyphAdvance = 6;

// Rows of '#' (ink) and '.' (background); characters outside 32..126 give the '?' glyph.
const std::array<const char*, kGlyphHeight>& glyph(char c);

inline int text_width(const std::string& text, int scale) {
  return text.empty() ? 0 : (static_cast<int>(text.size()) * kGlyphAdvance - 1) * scale;
}
inline int text_height(int scale) { return kGlyphHeight * scale; }

}  // namespace healgrid
