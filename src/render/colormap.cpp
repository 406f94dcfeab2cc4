#include "healgrid/render/colormap.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace healgrid {
namespace {

struct Anchors {
  const char* name;
  bool diverging;
  std::vector<std::uint32_t> rgb;  // 0xRRGGBB, evenly spaced from t = 0 to t = 1
};

const std::vector<Anchors>& all_anchors() {
  static const std::vector<Anchors> maps = {
      {"viridis",
       false,
       {0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b,
        0xfde725}},
      {"cividis",
       false,
       {0x00204d, 0x00336f, 0x39486b, 0x575c6d, 0x707173, 0x8a8779, 0xa69d75, 0xc4b56c, 0xe4cf5b,
        0xffea46}},
      {"rdbu_r",
       true,
       {0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d,
        0xb2182b, 0x67001f}},
  };
  return maps;
}

std::uint8_t channel(std::uint32_t rgb, int shift) { return (rgb >> shift) & 0xff; }

}  // namespace

std::vector<std::string> Colormap::names() {
  std::vector<std::string> out;
  for (const auto& a : all_anchors()) out.emplace_back(a.name);
  return out;
}

Colormap Colormap::named(const std::string& name) {
  for (const auto& a : all_anchors()) {
    if (name != a.name) continue;
    Colormap map;
    map.name_ = a.name;
    map.diverging_ = a.diverging;
    const int segments = static_cast<int>(a.rgb.size()) - 1;
    for (int k = 0; k < 256; ++k) {
      const double s = k / 255.0 * segments;
      const int i = std::min(static_cast<int>(s), segments - 1);
      const double f = s - i;
      auto mix = [&](int shift) {
        const double v = channel(a.rgb[i], shift) * (1 - f) + channel(a.rgb[i + 1], shift) * f;
        return static_cast<std::uint8_t>(std::lround(v));
      };
      map.table_[k] = Rgb{mix(16), mix(8), mix(0)};
    }
    return map;
  }
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown colormap '" + name + "' (known: " + known + ")");
}

Rgb Colormap::at(double t) const {
  if (!(t > 0)) return table_[0];
  // Clamped before the conversion: a far outlier (t of 1e18, +inf) does not fit an int.
  if (t >= 1) return table_[255];
  const int k = static_cast<int>(t * 256.0);
  return table_[k > 255 ? 255 : k];
}

}  // namespace healgrid
