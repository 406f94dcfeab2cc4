// An 8-bit RGB raster with the few pixel operations quicklook maps need (rectangles, blended
// pixels; text and lines are drawn with cairo, see map_canvas.hpp), and its PNG writer (libpng).
// write_png writes a unique temporary beside `path` (io::AtomicFile: O_EXCL, no symlink
// followed) and renames it to `path` only once the PNG is complete. It never replaces a file
// healgrid did not write: an existing `path` must be a regular file holding a PNG with the
// tEXt chunk Software=healgrid that write_png puts in every PNG; anything else there (the
// input, a NetCDF file, a granule, another program's PNG, a symbolic link, a directory) is
// refused, naming the path.
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

// The tEXt chunk that marks a PNG as healgrid's.
inline constexpr char kPngSoftwareKey[] = "Software";
inline constexpr char kPngSoftware[] = "healgrid";

// Whether `path` is a PNG file carrying the Software=healgrid tEXt chunk before its image data.
bool is_healgrid_png(const std::string& path);

// Throws std::invalid_argument naming the path (and "--png") when a PNG may not be written at
// `path`: it is `input` (the same file, by device and inode; "" for none), a symbolic link,
// not a regular file, or not a healgrid PNG. Nothing at `path` is fine.
void check_png_target(const std::string& path, const std::string& input = "");

// Throws std::invalid_argument as check_png_target does, std::runtime_error naming the path
// when the file cannot be written.
void write_png(const RasterImage& image, const std::string& path);

}  // namespace healgrid
