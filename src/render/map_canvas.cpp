#include "healgrid/render/map_canvas.hpp"

#include <cairo.h>

#include <cstring>
#include <stdexcept>

namespace healgrid {
namespace {

constexpr const char* kFontFamily = "DejaVu Sans";

void set_colour(cairo_t* cr, Rgb c, double alpha = 1.0) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, alpha);
}

}  // namespace

MapCanvas::MapCanvas(int width, int height, Rgb background) : width_(width), height_(height) {
  if (width <= 0 || height <= 0)
    throw std::invalid_argument("image size must be positive: " + std::to_string(width) + "x" +
                                std::to_string(height));
  surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(surface_));
    cairo_surface_destroy(surface_);
    throw std::runtime_error("cairo: cannot create a " + std::to_string(width) + "x" +
                             std::to_string(height) + " image: " + why);
  }
  cr_ = cairo_create(surface_);
  fill_rect(0, 0, width, height, background);
  set_font(12);
}

MapCanvas::~MapCanvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

void MapCanvas::put_pixels(int x, int y, int w, int h, const std::uint8_t* rgb) {
  cairo_surface_flush(surface_);
  unsigned char* data = cairo_image_surface_get_data(surface_);
  const int stride = cairo_image_surface_get_stride(surface_);
  for (int row = 0; row < h; ++row) {
    if (y + row < 0 || y + row >= height_) continue;
    auto* out = reinterpret_cast<std::uint32_t*>(data + std::size_t(y + row) * stride);
    const std::uint8_t* in = rgb + std::size_t(row) * w * 3;
    for (int col = 0; col < w; ++col) {
      if (x + col < 0 || x + col >= width_) continue;
      out[x + col] = (std::uint32_t(in[3 * col]) << 16) | (std::uint32_t(in[3 * col + 1]) << 8) |
                     std::uint32_t(in[3 * col + 2]);
    }
  }
  cairo_surface_mark_dirty(surface_);
}

void MapCanvas::set_font(double size_px, bool bold) {
  cairo_select_font_face(cr_, kFontFamily, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size_px);
}

double MapCanvas::text_width(const std::string& utf8) {
  cairo_text_extents_t extents;
  cairo_text_extents(cr_, utf8.c_str(), &extents);
  return extents.x_advance;
}

double MapCanvas::font_ascent() {
  cairo_font_extents_t extents;
  cairo_font_extents(cr_, &extents);
  return extents.ascent;
}

double MapCanvas::font_height() {
  cairo_font_extents_t extents;
  cairo_font_extents(cr_, &extents);
  return extents.ascent + extents.descent;
}

void MapCanvas::text(double x, double y, const std::string& utf8, Rgb colour, TextAlign align,
                     double halo) {
  const double w = text_width(utf8);
  if (align == TextAlign::centre) x -= w / 2;
  if (align == TextAlign::right) x -= w;
  cairo_move_to(cr_, x, y);
  if (halo > 0) {
    cairo_text_path(cr_, utf8.c_str());
    set_colour(cr_, Rgb{255, 255, 255}, 0.85);
    cairo_set_line_width(cr_, halo);
    cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke_preserve(cr_);
    set_colour(cr_, colour);
    cairo_fill(cr_);
    return;
  }
  set_colour(cr_, colour);
  cairo_show_text(cr_, utf8.c_str());
}

std::vector<std::string> MapCanvas::wrap(const std::string& text, double max_width) {
  // Pieces: the " | "-separated parts, each split further at spaces only when too wide.
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto bar = text.find(" | ", start);
    std::string part =
        text.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (text_width(part) <= max_width) {
      words.push_back(part + (bar == std::string::npos ? "" : " |"));
    } else {
      std::size_t s = 0;
      while (s < part.size()) {
        const auto space = part.find(' ', s);
        words.push_back(part.substr(s, space == std::string::npos ? std::string::npos : space - s));
        s = space == std::string::npos ? part.size() : space + 1;
      }
      if (bar != std::string::npos) words.back() += " |";
    }
    if (bar == std::string::npos) break;
    start = bar + 3;
  }
  std::vector<std::string> lines;
  std::string line;
  for (const auto& word : words) {
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && text_width(candidate) > max_width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (!line.empty()) lines.push_back(line);
  for (auto& l : lines)  // a line never ends with the separator
    if (l.size() >= 2 && l.compare(l.size() - 2, 2, " |") == 0) l.erase(l.size() - 2);
  return lines;
}

void MapCanvas::polyline(const std::vector<std::pair<double, double>>& points, Rgb colour,
                         double width, double alpha, double dash, bool round_ends) {
  if (points.size() < 2) return;
  cairo_new_path(cr_);
  cairo_move_to(cr_, points[0].first, points[0].second);
  for (std::size_t i = 1; i < points.size(); ++i)
    cairo_line_to(cr_, points[i].first, points[i].second);
  set_colour(cr_, colour, alpha);
  cairo_set_line_width(cr_, width);
  cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr_, round_ends ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
  if (dash > 0) {
    const double pattern[2] = {dash, dash * 0.7};
    cairo_set_dash(cr_, pattern, 2, 0);
  }
  cairo_stroke(cr_);
  cairo_set_dash(cr_, nullptr, 0, 0);
}

void MapCanvas::fill_rect(double x, double y, double w, double h, Rgb colour) {
  cairo_rectangle(cr_, x, y, w, h);
  set_colour(cr_, colour);
  cairo_fill(cr_);
}

void MapCanvas::stroke_rect(double x, double y, double w, double h, Rgb colour, double width) {
  cairo_rectangle(cr_, x, y, w, h);
  set_colour(cr_, colour);
  cairo_set_line_width(cr_, width);
  cairo_set_line_join(cr_, CAIRO_LINE_JOIN_MITER);
  cairo_stroke(cr_);
}

void MapCanvas::clip(double x, double y, double w, double h) {
  cairo_reset_clip(cr_);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_clip(cr_);
}

void MapCanvas::reset_clip() { cairo_reset_clip(cr_); }

RasterImage MapCanvas::to_image() {
  cairo_surface_flush(surface_);
  const unsigned char* data = cairo_image_surface_get_data(surface_);
  const int stride = cairo_image_surface_get_stride(surface_);
  RasterImage image(width_, height_, Rgb{255, 255, 255});
  for (int row = 0; row < height_; ++row) {
    const auto* in = reinterpret_cast<const std::uint32_t*>(data + std::size_t(row) * stride);
    std::uint8_t* out = image.row_data(row);
    for (int col = 0; col < width_; ++col) {
      out[3 * col] = static_cast<std::uint8_t>(in[col] >> 16);
      out[3 * col + 1] = static_cast<std::uint8_t>(in[col] >> 8);
      out[3 * col + 2] = static_cast<std::uint8_t>(in[col]);
    }
  }
  return image;
}

}  // namespace healgrid
