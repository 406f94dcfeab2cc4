// An 8-bit RGB raster with the few pixel operations quicklook maps need (rectangles, blended
// pixels; text and lines are drawn with cairo, see map_canvas.hpp), and its PNG writer (libpng).
// write_png writes
// `<path>.partial` and renames it to `path` only once the PNG is complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "healgrid/render/colormap.hpp"

namespace healgrid {

class RasterImage {
 public:
  RasterImage(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  Rgb get(int x, int y) const;
  void set(int x, int y, Rgb c);  // ignored outside the image
  // c over the pixel with opacity alpha in [0, 1].
  void blend(int x, int y, Rgb c, double alpha);
  void fill_rect(int x, int y, int w, int h, Rgb c);
  void outline_rect(int x, int y, int w, int h, Rgb c);

  // Row `row` as packed RGB bytes (width * 3), for copying row blocks in and out.
  std::uint8_t* row_data(int row) { return pixels_.data() + std::size_t(row) * width_ * 3; }
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }

 private:
  int width_;
  int height_;
  std::vector<std::uint8_t> pixels_;  // row-major RGB
};

// Throws std::runtime_error naming the path when the file cannot be written.
void write_png(const RasterImage& image, const std::string& path);

}  // namespace healgrid
