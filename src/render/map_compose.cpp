// MapRenderer::compose: the page around the rendered map area, drawn with cairo (map_canvas):
// a wrapped title and subtitle, graticule labels around the frame, coastlines over the map,
// a scale bar, and the colorbar with ticks at round values and its label. Sizes follow the
// map width so that text stays legible from 300 to 4000 pixels.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "healgrid/render/axis_ticks.hpp"
#include "healgrid/render/coastlines.hpp"
#include "healgrid/render/map_canvas.hpp"
#include "healgrid/render/map_renderer.hpp"

namespace healgrid {
namespace {

constexpr Rgb kFrame{64, 64, 64};
constexpr Rgb kCoastline{20, 20, 20};
constexpr Rgb kSubtitle{70, 70, 70};

struct Band {
  double label_w = 0, label_h = 0;  // graticule label bands left/right and top/bottom
};

}  // namespace

RasterImage MapRenderer::compose(const std::vector<std::uint8_t>& map_rgb,
                                 ImageLayout* layout_out) const {
  const int w = plan_.map_width, h = plan_.map_height;
  ImageLayout L;
  const double fs = std::clamp(w / 50.0, 11.0, 26.0);
  L.font_px = static_cast<int>(std::lround(fs));
  const int margin = static_cast<int>(std::lround(fs));
  const auto labels = graticule_labels();

  // A scratch canvas measures text before the page size is known.
  MapCanvas measure(1, 1, kPageBackground);
  Band band;
  measure.set_font(fs * 0.8);
  if (options_.graticule) {
    band.label_h = std::ceil(measure.font_height() + fs * 0.3);
    band.label_w = band.label_h;
    for (const auto& l : labels)
      if (l.edge == 1 || l.edge == 3)
        band.label_w = std::max(band.label_w, std::ceil(measure.text_width(l.text) + fs * 0.4));
  } else {
    band.label_h = band.label_w = std::ceil(fs * 0.3);
  }
  L.width = w + 2 * (margin + static_cast<int>(band.label_w));
  const double text_width = L.width - 2.0 * margin;
  measure.set_font(fs * 1.1, true);
  const auto title_lines = measure.wrap(title_, text_width);
  const double title_line = std::ceil(measure.font_height() * 1.15);
  measure.set_font(fs * 0.8);
  const auto subtitle_lines = measure.wrap(subtitle_, text_width);
  const double subtitle_line = std::ceil(measure.font_height() * 1.15);
  measure.set_font(fs * 0.9);
  const double body_line = std::ceil(measure.font_height() * 1.2);

  L.map_x0 = margin + static_cast<int>(band.label_w);
  L.map_y0 = static_cast<int>(margin + title_lines.size() * title_line +
                              subtitle_lines.size() * subtitle_line + fs * 0.4 + band.label_h);
  const double ground = ground_scale_at_centre();
  const bool scale_bar = ground > 0;
  int y = L.map_y0 + h + static_cast<int>(band.label_h + fs * 0.5);
  const int scale_bar_y = y;
  if (scale_bar) y += static_cast<int>(body_line + fs * 0.3);
  L.colorbar_width = std::min(w, std::max(200, static_cast<int>(std::lround(w * 0.6))));
  L.colorbar_width = std::min(L.colorbar_width, L.width - 2 * margin);
  L.colorbar_height = static_cast<int>(std::lround(fs * 0.9));
  L.colorbar_x0 = (L.width - L.colorbar_width) / 2;
  L.colorbar_y0 = y;
  L.height =
      static_cast<int>(L.colorbar_y0 + L.colorbar_height + fs * 0.35 + 2 * body_line + margin);

  MapCanvas canvas(L.width, L.height, kPageBackground);
  canvas.put_pixels(L.map_x0, L.map_y0, w, h, map_rgb.data());
  double ty = margin;
  canvas.set_font(fs * 1.1, true);
  for (const auto& line : title_lines) {
    canvas.text(margin, ty + canvas.font_ascent(), line, kInk);
    ty += title_line;
  }
  canvas.set_font(fs * 0.8);
  for (const auto& line : subtitle_lines) {
    canvas.text(margin, ty + canvas.font_ascent(), line, kSubtitle);
    ty += subtitle_line;
  }
  draw_coastlines(canvas, L.map_x0, L.map_y0, L);
  canvas.stroke_rect(L.map_x0 - 0.5, L.map_y0 - 0.5, w + 1, h + 1, kFrame, 1.0);
  draw_graticule_labels(canvas, L.map_x0, L.map_y0, fs * 0.8, L);
  if (scale_bar) draw_scale_bar(canvas, L.map_x0, scale_bar_y, fs, L);
  draw_colorbar(canvas, L, fs);
  if (layout_out) *layout_out = L;
  return canvas.to_image();
}

void MapRenderer::draw_colorbar(MapCanvas& canvas, ImageLayout& L, double fs) const {
  std::vector<std::uint8_t> bar(std::size_t(L.colorbar_width) * L.colorbar_height * 3);
  for (int i = 0; i < L.colorbar_width; ++i) {  // column i: the colour of t = (i + 0.5) / width
    const Rgb c = colormap_.at((i + 0.5) / L.colorbar_width);
    for (int r = 0; r < L.colorbar_height; ++r) {
      auto* p = bar.data() + (std::size_t(r) * L.colorbar_width + i) * 3;
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
  }
  canvas.put_pixels(L.colorbar_x0, L.colorbar_y0, L.colorbar_width, L.colorbar_height, bar.data());
  canvas.stroke_rect(L.colorbar_x0 - 0.5, L.colorbar_y0 - 0.5, L.colorbar_width + 1,
                     L.colorbar_height + 1, kFrame, 1.0);

  const double lo = plan_.value_min, hi = plan_.value_max;
  const int max_ticks = std::max(2, L.colorbar_width / static_cast<int>(fs * 5));
  const std::vector<double> ticks =
      options_.log_scale ? log_ticks(lo, hi) : linear_ticks(lo, hi, max_ticks);
  const double step = ticks.size() >= 2        ? ticks[1] - ticks[0]
                      : std::isfinite(hi - lo) ? hi - lo
                                               : hi / 2 - lo / 2;
  canvas.set_font(fs * 0.8);
  const double tick_len = std::max(3.0, fs * 0.35);
  const double label_y = L.colorbar_y0 + L.colorbar_height + tick_len + canvas.font_ascent() + 1;
  double last_right = -1e9;
  for (double v : ticks) {
    const double t = colour_position(v, lo, hi, options_.log_scale);
    const double x = L.colorbar_x0 + t * L.colorbar_width;
    const double bottom = L.colorbar_y0 + L.colorbar_height;
    canvas.polyline({{x, bottom + 1}, {x, bottom + 1 + tick_len}}, kFrame, 1.0, 1.0, 0, false);
    const std::string text = options_.log_scale ? log_tick_label(v) : tick_label(v, step);
    const double tw = canvas.text_width(text);
    if (x - tw / 2 < last_right + fs * 0.5) continue;  // never overlap a label
    canvas.text(x, label_y, text, kInk, TextAlign::centre);
    last_right = x + tw / 2;
    L.colorbar_ticks.push_back(v);
  }
  canvas.set_font(fs * 0.9);
  const auto lines = canvas.wrap(colorbar_label_, canvas.width() - 2 * fs);
  canvas.text(canvas.width() / 2.0, label_y + canvas.font_height() * 1.2,
              lines.empty() ? "" : lines[0], kInk, TextAlign::centre);
}

void MapRenderer::draw_graticule_labels(MapCanvas& canvas, int x0, int y0, double font_px,
                                        ImageLayout& L) const {
  canvas.set_font(font_px);
  const double gap = font_px * 0.3, ascent = canvas.font_ascent();
  // Per edge, labels that would overlap an earlier one on that edge are left out.
  std::vector<std::vector<std::pair<double, double>>> taken(5);
  for (const auto& label : graticule_labels()) {
    const double tw = canvas.text_width(label.text);
    const bool horizontal = label.edge == 0 || label.edge == 2 || label.edge == 4;
    const double centre = horizontal ? label.x : label.y;
    const double half = horizontal ? tw / 2 + gap : ascent / 2 + gap;
    bool clash = false;
    if (label.edge == 4) {  // inside labels: no overlap with another inside label's box
      for (const auto& o : L.inside_label_boxes)
        clash = clash || (std::fabs(o[0] + o[2] / 2.0 - label.x) < (o[2] + tw) / 2 &&
                          std::fabs(o[1] + o[3] / 2.0 - label.y) < o[3]);
    } else {
      for (const auto& [a, b] : taken[label.edge])
        clash = clash || (centre + half > a && centre - half < b);
    }
    if (clash) continue;
    taken[label.edge].push_back({centre - half, centre + half});
    const double x = x0 + label.x, y = y0 + label.y;
    switch (label.edge) {
      case 0:
        canvas.text(x, y - gap - 1, label.text, kInk, TextAlign::centre);
        break;
      case 2:
        canvas.text(x, y + gap + ascent, label.text, kInk, TextAlign::centre);
        break;
      case 1:
        canvas.text(x + gap + 1, y + ascent / 2 - 1, label.text, kInk, TextAlign::left);
        break;
      case 3:
        canvas.text(x - gap - 1, y + ascent / 2 - 1, label.text, kInk, TextAlign::right);
        break;
      default: {
        const double halo = std::max(2.0, font_px * 0.25);
        canvas.text(x, y + ascent / 2, label.text, kInk, TextAlign::centre, halo);
        // The pixels the label (and its halo) may touch, for the report.
        const int bx = static_cast<int>(std::floor(label.x - tw / 2 - halo - 1));
        const int by = static_cast<int>(std::floor(label.y + ascent / 2 - ascent - halo - 1));
        L.inside_label_boxes.push_back(
            {bx, by, static_cast<int>(std::ceil(tw + 2 * halo + 3)),
             static_cast<int>(std::ceil(canvas.font_height() + 2 * halo + 3))});
      }
    }
  }
}

void MapRenderer::draw_coastlines(MapCanvas& canvas, int x0, int y0, ImageLayout& L) const {
  if (shorelines_.empty()) return;
  const int w = plan_.map_width, h = plan_.map_height;
  const double pixel = (plan_.x_max - plan_.x_min) / w;
  const double width = std::max(1.0, w / 900.0);
  canvas.clip(x0, y0, w, h);
  for (const auto& line : shorelines_) {
    std::vector<double> xs = line.lon, ys = line.lat;
    for (double& lon : xs) lon = std::remainder(lon, 360.0);
    projection_->forward(xs.data(), ys.data(), xs.size());
    std::vector<std::pair<double, double>> run;
    auto flush = [&] {
      bool visible = false;
      for (const auto& [px, py] : run)
        visible = visible || (px > x0 - 2 && px < x0 + w + 2 && py > y0 - 2 && py < y0 + h + 2);
      if (visible && run.size() >= 2) {
        const bool grounding = line.kind == ShoreKind::grounding_line;
        const bool inland = line.kind == ShoreKind::lake || line.kind == ShoreKind::pond ||
                            line.kind == ShoreKind::island_in_lake;
        canvas.polyline(run, kCoastline, grounding || inland ? width * 0.8 : width, 0.9,
                        grounding ? 3 * width : 0);
        ++L.coastline_segments;
      }
      run.clear();
    };
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (std::isnan(xs[i])) {
        flush();
        continue;
      }
      const double px = x0 + (xs[i] - plan_.x_min) / pixel, py = y0 + (plan_.y_max - ys[i]) / pixel;
      // A jump across half the map is a wrap around the antimeridian, not a line.
      if (!run.empty() &&
          std::hypot(px - run.back().first, py - run.back().second) > 0.5 * std::max(w, h))
        flush();
      run.push_back({px, py});
    }
    flush();
  }
  canvas.reset_clip();
}

void MapRenderer::draw_scale_bar(MapCanvas& canvas, int x, int y, double fs, ImageLayout& L) const {
  const double pixel = (plan_.x_max - plan_.x_min) / plan_.map_width;
  const double metres_per_pixel = pixel * ground_scale_at_centre();
  const double km = round_number_below(0.25 * plan_.map_width * metres_per_pixel / 1000.0);
  if (!(km > 0)) return;
  const double length = km * 1000.0 / metres_per_pixel;
  const double bar_h = std::max(4.0, fs * 0.4);
  canvas.set_font(fs * 0.8);
  const double top = y + (canvas.font_height() - bar_h) / 2;
  for (int k = 0; k < 4; ++k)
    canvas.fill_rect(x + k * length / 4, top, length / 4, bar_h, k % 2 ? kPageBackground : kInk);
  canvas.stroke_rect(x + 0.5, top + 0.5, length - 1, bar_h - 1, kInk, 1.0);
  char text[64];
  std::snprintf(text, sizeof text, "%g km (at the map centre)", km);
  canvas.text(x + length + fs * 0.5, y + canvas.font_ascent(), text, kInk);
  L.scale_bar_km = km;
}

}  // namespace healgrid
