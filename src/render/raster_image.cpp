#include "healgrid/render/raster_image.hpp"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "healgrid/io/atomic_file.hpp"

namespace healgrid {
namespace {

struct PngErrorSink {
  char message[256] = {};
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngErrorSink*>(png_get_error_ptr(png));
  std::snprintf(sink->message, sizeof sink->message, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

// libpng reports errors by longjmp; no object with a destructor lives in this frame, so
// jumping back here is safe. Returns false on error (message in the sink).
bool write_png_rows(png_structp png, png_infop info, FILE* file, const std::uint8_t* rgb, int width,
                    int height) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // Flat map areas compress well at a fast level; level 9 costs seconds on large maps.
  png_set_compression_level(png, 3);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) png_write_row(png, rgb + std::size_t(y) * width * 3);
  png_write_end(png, info);
  return true;
}

// Owns the FILE and libpng's write structures.
class PngFile {
 public:
  explicit PngFile(const std::string& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw std::runtime_error(path + ": cannot create: " + std::strerror(errno));
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink_, on_png_error, on_png_warning);
    if (png_) info_ = png_create_info_struct(png_);
    if (!png_ || !info_) throw std::runtime_error(path + ": libpng cannot start");
  }
  PngFile(const PngFile&) = delete;
  PngFile& operator=(const PngFile&) = delete;
  ~PngFile() {
    if (png_) png_destroy_write_struct(&png_, info_ ? &info_ : nullptr);
    if (file_) std::fclose(file_);
  }

  void write(const RasterImage& image) {
    if (!write_png_rows(png_, info_, file_, image.pixels().data(), image.width(), image.height()))
      throw std::runtime_error(path_ + ": PNG write failed: " + sink_.message);
    FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0)
      throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
  }

 private:
  std::string path_;
  PngErrorSink sink_;
  FILE* file_ = nullptr;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

}  // namespace

RasterImage::RasterImage(int width, int height, Rgb background)
    : width_(width), height_(height), pixels_(std::size_t(width) * height * 3) {
  if (width <= 0 || height <= 0)
    throw std::invalid_argument("image size must be positive: " + std::to_string(width) + "x" +
                                std::to_string(height));
  fill_rect(0, 0, width, height, background);
}

Rgb RasterImage::get(int x, int y) const {
  const auto* p = pixels_.data() + (std::size_t(y) * width_ + x) * 3;
  return Rgb{p[0], p[1], p[2]};
}

void RasterImage::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  auto* p = pixels_.data() + (std::size_t(y) * width_ + x) * 3;
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

void RasterImage::blend(int x, int y, Rgb c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const Rgb under = get(x, y);
  auto mix = [alpha](std::uint8_t top, std::uint8_t bottom) {
    return static_cast<std::uint8_t>(std::lround(top * alpha + bottom * (1 - alpha)));
  };
  set(x, y, Rgb{mix(c.r, under.r), mix(c.g, under.g), mix(c.b, under.b)});
}

void RasterImage::fill_rect(int x, int y, int w, int h, Rgb c) {
  for (int j = std::max(0, y); j < std::min(height_, y + h); ++j)
    for (int i = std::max(0, x); i < std::min(width_, x + w); ++i) set(i, j, c);
}

void RasterImage::outline_rect(int x, int y, int w, int h, Rgb c) {
  fill_rect(x, y, w, 1, c);
  fill_rect(x, y + h - 1, w, 1, c);
  fill_rect(x, y, 1, h, c);
  fill_rect(x + w - 1, y, 1, h, c);
}

void write_png(const RasterImage& image, const std::string& path) {
  const std::string partial = path + ".partial";
  try {
    PngFile writer(partial);
    writer.write(image);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw;
  }
  try {
    io::commit_file(partial, path);  // synced, renamed, directory synced
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw;
  }
}

}  // namespace healgrid
