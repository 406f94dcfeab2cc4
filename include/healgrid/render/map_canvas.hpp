// The page of a `healgrid render` picture, drawn with cairo: antialiased text in DejaVu Sans
// (cairo's toy font API, found through fontconfig; Debian fonts-dejavu-core), antialiased lines
// and exact pixel blocks. Pixel blocks (the map area, the colorbar) are copied in unchanged, so
// the decorations drawn around or over them never alter the pixels the tests recompute unless
// they are meant to. Coordinates are pixels from the top-left corner; a 1-pixel line along
// pixel edges uses half-pixel coordinates.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "healgrid/render/colormap.hpp"
#include "healgrid/render/raster_image.hpp"

struct _cairo;
struct _cairo_surface;

namespace healgrid {

enum class TextAlign { left, centre, right };

class MapCanvas {
 public:
  MapCanvas(int width, int height, Rgb background);  // throws std::runtime_error
  MapCanvas(const MapCanvas&) = delete;
  MapCanvas& operator=(const MapCanvas&) = delete;
  ~MapCanvas();

  int width() const { return width_; }
  int height() const { return height_; }

  // Copies w x h packed RGB pixels to (x, y), exactly.
  void put_pixels(int x, int y, int w, int h, const std::uint8_t* rgb);

  void set_font(double size_px, bool bold = false);
  double text_width(const std::string& utf8);
  double font_ascent();
  double font_height();  // ascent + descent
  // Text with its baseline at y; `halo` strokes a white outline under it for text over a map.
  void text(double x, double y, const std::string& utf8, Rgb colour,
            TextAlign align = TextAlign::left, double halo = 0);
  // Breaks text into lines no wider than max_width, at the separators " | " first, then at
  // spaces; a word wider than the line stays whole on its own line.
  std::vector<std::string> wrap(const std::string& text, double max_width);

  // Polyline of points (x, y); dash > 0 draws dashes of that length. Round ends and joins for
  // map lines; butt ends (the line stops exactly at its end points) for ticks.
  void polyline(const std::vector<std::pair<double, double>>& points, Rgb colour, double width,
                double alpha = 1.0, double dash = 0, bool round_ends = true);
  void fill_rect(double x, double y, double w, double h, Rgb colour);
  void stroke_rect(double x, double y, double w, double h, Rgb colour, double width);
  // Later drawing only inside the rectangle, until reset_clip.
  void clip(double x, double y, double w, double h);
  void reset_clip();

  RasterImage to_image();

 private:
  int width_, height_;
  _cairo_surface* surface_ = nullptr;
  _cairo* cr_ = nullptr;
};

}  // namespace healgrid
