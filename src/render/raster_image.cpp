#include "healgrid/render/raster_image.hpp"

#include <png.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
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

// libpng's output: all bytes to the temporary file's descriptor; an error is a libpng error
// (longjmp out of here: no C++ object lives in this frame).
void on_png_write(png_structp png, png_bytep data, png_size_t size) {
  const int fd = *static_cast<int*>(png_get_io_ptr(png));
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) png_error(png, std::strerror(errno));
    data += n;
    size -= static_cast<png_size_t>(n);
  }
}

void on_png_flush(png_structp) {}

// libpng reports errors by longjmp; no object with a destructor lives in this frame, so
// jumping back here is safe. Returns false on error (message in the sink).
bool write_png_rows(png_structp png, png_infop info, int* fd, const std::uint8_t* rgb, int width,
                    int height) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, fd, on_png_write, on_png_flush);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // The mark by which a later render knows the file is its own to replace.
  png_text text{};
  text.compression = PNG_TEXT_COMPRESSION_NONE;
  text.key = const_cast<char*>(kPngSoftwareKey);
  text.text = const_cast<char*>(kPngSoftware);
  png_set_text(png, info, &text, 1);
  // Flat map areas compress well at a fast level; level 9 costs seconds on large maps.
  png_set_compression_level(png, 3);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) png_write_row(png, rgb + std::size_t(y) * width * 3);
  png_write_end(png, info);
  return true;
}

// libpng's write structures.
class PngWriter {
 public:
  explicit PngWriter(const std::string& path) {
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink_, on_png_error, on_png_warning);
    if (png_) info_ = png_create_info_struct(png_);
    if (!png_ || !info_) throw std::runtime_error(path + ": libpng cannot start");
  }
  PngWriter(const PngWriter&) = delete;
  PngWriter& operator=(const PngWriter&) = delete;
  ~PngWriter() {
    if (png_) png_destroy_write_struct(&png_, info_ ? &info_ : nullptr);
  }

  // The whole PNG to `file` (not committed); throws naming the final path.
  void write(const RasterImage& image, io::AtomicFile& file) {
    int fd = file.fd();
    if (!write_png_rows(png_, info_, &fd, image.pixels().data(), image.width(), image.height()))
      throw std::runtime_error(file.final_path() + ": PNG write failed: " + sink_.message);
  }

 private:
  PngErrorSink sink_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

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

bool is_healgrid_png(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;  // reading a folder throws
  std::ifstream in(path, std::ios::binary);
  unsigned char head[8];
  if (!in.read(reinterpret_cast<char*>(head), 8) || std::memcmp(head, "\x89PNG\r\n\x1a\n", 8) != 0)
    return false;
  // The chunks before the image data; write_png puts its tEXt chunk right after IHDR.
  const std::string wanted = std::string(kPngSoftwareKey) + '\0' + kPngSoftware;
  for (int chunk = 0; chunk < 64; ++chunk) {
    unsigned char header[8];
    if (!in.read(reinterpret_cast<char*>(header), 8)) return false;
    const std::uint32_t length = be32(header);
    const std::string type(reinterpret_cast<char*>(header) + 4, 4);
    if (type == "IDAT" || type == "IEND" || length > (1u << 20)) return false;
    std::string data(length, '\0');
    if (!in.read(data.data(), length) || !in.seekg(4, std::ios::cur)) return false;  // + CRC
    if (type == "tEXt" && data == wanted) return true;
  }
  return false;
}

void check_png_target(const std::string& path, const std::string& input) {
  struct stat target {};
  if (::lstat(path.c_str(), &target) != 0)
    return;  // nothing there (or unreachable: the write says)
  const std::string refuse = "--png: '" + path + "' ";
  const std::string remedy = "; refusing to replace it (remove it or choose another name)";
  struct stat source {};
  if (!input.empty() && S_ISREG(target.st_mode) && ::stat(input.c_str(), &source) == 0 &&
      source.st_dev == target.st_dev && source.st_ino == target.st_ino)
    throw std::invalid_argument(refuse + "is the input file" +
                                (input == path ? "" : " " + input + " (the same file)") +
                                "; refusing to overwrite it with a picture (choose another name)");
  if (S_ISLNK(target.st_mode)) throw std::invalid_argument(refuse + "is a symbolic link" + remedy);
  if (!S_ISREG(target.st_mode))
    throw std::invalid_argument(refuse + "exists and is not a regular file" + remedy);
  if (!is_healgrid_png(path))
    throw std::invalid_argument(refuse + "exists and is not a PNG written by healgrid render" +
                                remedy);
}

void write_png(const RasterImage& image, const std::string& path) {
  check_png_target(path);     // again: the file may have appeared since the options were checked
  io::AtomicFile file(path);  // a fresh temporary beside it (O_EXCL, no symlink followed)
  PngWriter writer(path);
  writer.write(image, file);
  file.commit();  // synced, renamed over `path`, directory synced
}

}  // namespace healgrid
