// Colormaps of `healgrid render`: 256-entry tables built by linear interpolation (in sRGB)
// between evenly spaced anchor colours.
//   viridis, cividis  perceptually uniform sequential maps (10 anchors sampled from them)
//   rdbu_r            diverging blue - white - red (ColorBrewer RdBu, reversed: low is blue)
// Entry k holds the colour at t = k / 255; a value's t in [0, 1] picks entry min(255, floor(256
// t)).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace healgrid {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

class Colormap {
 public:
  // Throws std::invalid_argument listing the known names when `name` is unknown.
  static Colormap named(const std::string& name);
  static std::vector<std::string> names();

  const std::string& name() const { return name_; }
  bool diverging() const { return diverging_; }
  // t outside [0, 1] (any size, +-inf) is clamped to the end entries; NaN gives entry 0.
  Rgb at(double t) const;
  const std::array<Rgb, 256>& table() const { return table_; }

 private:
  std::string name_;
  bool diverging_ = false;
  std::array<Rgb, 256> table_{};
};

}  // namespace healgrid
