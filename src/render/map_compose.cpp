// MapRenderer::compose: the decorations around the rendered map area (title, frame, colorbar
// with ticks and label), laid out from the map size so that text scales with the picture.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "healgrid/render/bitmap_font.hpp"
#include "healgrid/render/map_renderer.hpp"

namespace healgrid {
namespace {

constexpr Rgb kFrame{64, 64, 64};

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Cut to max_chars, marking the cut with "...".
std::string fit(const std::string& text, int max_chars) {
  if (max_chars <= 3 || static_cast<int>(text.size()) <= max_chars)
    return text.substr(0, std::max(0, max_chars));
  return text.substr(0, max_chars - 3) + "...";
}

}  // namespace

RasterImage MapRenderer::compose(const std::vector<std::uint8_t>& map_rgb,
                                 ImageLayout* layout_out) const {
  const int w = plan_.map_width, h = plan_.map_height;
  ImageLayout L;
  L.text_scale = std::clamp((w + 300) / 600, 1, 4);
  const int s = L.text_scale, margin = 8 * s, line = 11 * s;
  L.width = w + 2 * margin;
  L.map_x0 = margin;
  L.map_y0 = margin + 2 * line + margin / 2;
  L.colorbar_width = std::min(w, std::max(200, static_cast<int>(std::lround(w * 0.6))));
  L.colorbar_height = 12 * s;
  L.colorbar_x0 = L.map_x0 + (w - L.colorbar_width) / 2;
  L.colorbar_y0 = L.map_y0 + h + margin + 2;
  const int tick_label_y = L.colorbar_y0 + L.colorbar_height + 5 * s;
  const int label_y = tick_label_y + line;
  L.height = label_y + text_height(s) + margin;

  RasterImage image(L.width, L.height, kPageBackground);
  for (int row = 0; row < h; ++row)
    std::memcpy(image.row_data(L.map_y0 + row) + std::size_t(L.map_x0) * 3,
                map_rgb.data() + std::size_t(row) * w * 3, std::size_t(w) * 3);
  image.outline_rect(L.map_x0 - 1, L.map_y0 - 1, w + 2, h + 2, kFrame);

  const int max_chars = (L.width - 2 * margin + s) / (kGlyphAdvance * s);
  image.draw_text(margin, margin, fit(title_, max_chars), s, kInk);
  image.draw_text(margin, margin + line, fit(subtitle_, max_chars), s, kInk);

  // Colorbar: column i shows the colour of t = (i + 0.5) / width.
  for (int i = 0; i < L.colorbar_width; ++i) {
    const Rgb c = colormap_.at((i + 0.5) / L.colorbar_width);
    image.fill_rect(L.colorbar_x0 + i, L.colorbar_y0, 1, L.colorbar_height, c);
  }
  image.outline_rect(L.colorbar_x0 - 1, L.colorbar_y0 - 1, L.colorbar_width + 2,
                     L.colorbar_height + 2, kFrame);
  for (int k = 0; k <= 4; ++k) {
    const double t = k / 4.0;
    const double value =
        options_.log_scale
            ? std::pow(10.0, std::log10(plan_.value_min) +
                                 t * (std::log10(plan_.value_max) - std::log10(plan_.value_min)))
            : plan_.value_min + t * (plan_.value_max - plan_.value_min);
    const int x = L.colorbar_x0 + static_cast<int>(std::lround(t * (L.colorbar_width - 1)));
    image.fill_rect(x, L.colorbar_y0 + L.colorbar_height, std::max(1, s / 2 + 1), 3 * s, kFrame);
    const std::string text = tick_label(value);
    const int tw = text_width(text, s);
    const int tx = std::clamp(x - tw / 2, 0, L.width - tw);
    image.draw_text(tx, tick_label_y, text, s, kInk);
  }
  const std::string label = fit(colorbar_label_, max_chars);
  image.draw_text(std::max(0, L.map_x0 + (w - text_width(label, s)) / 2), label_y, label, s, kInk);
  if (layout_out) *layout_out = L;
  return image;
}

}  // namespace healgrid
