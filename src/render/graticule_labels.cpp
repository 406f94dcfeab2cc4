// MapRenderer::graticule_labels: where the graticule lines drawn by render_rows meet the frame
// of the map area (the same test: the latitude or longitude band changes between neighbouring
// pixel centres along an edge), and, for parallels that meet no edge (circles around a pole),
// one label over the map at the parallel's lowest point on the page.
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "healgrid/render/axis_ticks.hpp"
#include "healgrid/render/map_renderer.hpp"

namespace healgrid {
namespace {

std::string degrees_label(double value, double step, char positive, char negative) {
  const double v = std::round(value / step) * step;
  std::string text = tick_label(std::fabs(v), step) + "\u00b0";
  if (v > 0 && std::fabs(v) < 180) text += positive;
  if (v < 0 && std::fabs(v) < 180) text += negative;
  return text;
}

}  // namespace

std::vector<GraticuleLabel> MapRenderer::graticule_labels() const {
  std::vector<GraticuleLabel> out;
  if (!options_.graticule) return out;
  const int w = plan_.map_width, h = plan_.map_height;
  const double pixel = (plan_.x_max - plan_.x_min) / w;
  const double lat_step = plan_.lat_step, lon_step = plan_.lon_step;
  const double meridian_limit = 90.0 - std::min(lat_step, 10.0);
  std::set<long long> parallels_on_edges;

  // Edge e: n pixel centres (col, row) in order; a crossing lies between samples i and i+1.
  for (int edge = 0; edge < 4; ++edge) {
    const bool horizontal = edge == 0 || edge == 2;
    const int n = horizontal ? w : h;
    std::vector<double> lon(n), lat(n);
    for (int i = 0; i < n; ++i) {
      const double col = horizontal ? i + 0.5 : (edge == 1 ? w - 0.5 : 0.5);
      const double row = horizontal ? (edge == 0 ? 0.5 : h - 0.5) : i + 0.5;
      lon[i] = plan_.x_min + col * pixel;
      lat[i] = plan_.y_max - row * pixel;
    }
    projection_->inverse(lon.data(), lat.data(), n);
    for (int i = 0; i + 1 < n; ++i) {
      if (std::isnan(lat[i]) || std::isnan(lat[i + 1])) continue;
      const double x = horizontal ? i + 1.0 : (edge == 1 ? w : 0.0);
      const double y = horizontal ? (edge == 0 ? 0.0 : h) : i + 1.0;
      const double ka = std::floor(lat[i] / lat_step), kb = std::floor(lat[i + 1] / lat_step);
      if (ka != kb) {
        const double value = std::max(ka, kb) * lat_step;
        out.push_back({degrees_label(value, lat_step, 'N', 'S'), x, y, edge, false});
        parallels_on_edges.insert(std::llround(value / lat_step));
      }
      const bool meridians =
          std::fabs(lat[i]) < meridian_limit && std::fabs(lat[i + 1]) < meridian_limit;
      const double la = std::floor(lon[i] / lon_step), lb = std::floor(lon[i + 1] / lon_step);
      if (meridians && la != lb) {
        const double value =
            std::fabs(lon[i] - lon[i + 1]) > 180 ? 180 : std::max(la, lb) * lon_step;
        out.push_back({degrees_label(value, lon_step, 'E', 'W'), x, y, edge, true});
      }
    }
  }

  // Parallels inside the map that meet no edge: label each at its lowest point on the page.
  const double margin = std::max(10.0, 0.015 * std::min(w, h));
  for (double k = std::ceil(plan_.map_lat_min / lat_step); k * lat_step <= plan_.map_lat_max; ++k) {
    const double value = k * lat_step;
    if (std::fabs(value) >= 90 || parallels_on_edges.count(std::llround(k))) continue;
    constexpr int kSamples = 720;
    std::vector<double> xs(kSamples), ys(kSamples, value);
    for (int i = 0; i < kSamples; ++i) xs[i] = -180.0 + 360.0 * (i + 0.5) / kSamples;
    projection_->forward(xs.data(), ys.data(), kSamples);
    double best_col = 0, best_row = -1;
    for (int i = 0; i < kSamples; ++i) {
      if (std::isnan(xs[i])) continue;
      const double col = (xs[i] - plan_.x_min) / pixel, row = (plan_.y_max - ys[i]) / pixel;
      if (col < margin || col > w - margin || row < margin || row > h - margin) continue;
      if (row > best_row) best_col = col, best_row = row;
    }
    if (best_row >= 0)
      out.push_back({degrees_label(value, lat_step, 'N', 'S'), best_col, best_row, 4, false});
  }
  // Meridians are labelled at the top and bottom, parallels left and right; a line that meets
  // none of its own edges keeps its labels on the others.
  const auto own_edge = [](const GraticuleLabel& l) {
    return l.edge == 4 || l.meridian == (l.edge == 0 || l.edge == 2);
  };
  std::set<std::string> on_own_edge;
  for (const auto& l : out)
    if (own_edge(l)) on_own_edge.insert(l.text);
  std::vector<GraticuleLabel> kept;
  for (const auto& l : out)
    if (own_edge(l) || !on_own_edge.count(l.text)) kept.push_back(l);
  return kept;
}

}  // namespace healgrid
