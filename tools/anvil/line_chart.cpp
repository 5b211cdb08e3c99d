#include "tools/anvil/line_chart.h"

#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/strings.h"

namespace anvil::cli {
namespace {

constexpr double kPanelWidth = 460, kPanelHeight = 340, kLegendHeight = 44;
constexpr double kLeft = 72, kRight = 18, kTop = 34, kBottom = 52;  // plot margins inside a panel

// Tableau 10, as matplotlib's default cycle: told apart by most eyes.
constexpr double kColors[][3] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
                                 {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                                 {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
                                 {0.090, 0.745, 0.812}};

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

// "2.5k", "1.2M", "0.001", "3e-04": tick labels that stay short.
std::string tick_label(double v, double step) {
  char buffer[32];
  const double a = std::fabs(v);
  if (a >= 1e6 && step >= 1e5)
    std::snprintf(buffer, sizeof buffer, "%gM", v / 1e6);
  else if (a >= 1e4 && step >= 1e3)
    std::snprintf(buffer, sizeof buffer, "%gk", v / 1e3);
  else if (a != 0 && a < 1e-2)
    std::snprintf(buffer, sizeof buffer, "%.0e", v);
  else
    std::snprintf(buffer, sizeof buffer, "%g", std::round(v / step) * step);
  return buffer;
}

void text_at(cairo_t* cr, const std::string& text, double x, double y, double align_x, double align_y) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  cairo_move_to(cr, x - e.width * align_x - e.x_bearing, y - e.height * align_y - e.y_bearing);
  cairo_show_text(cr, text.c_str());
}

void set_color(cairo_t* cr, int run) {
  const auto& c = kColors[static_cast<size_t>(run) % (sizeof kColors / sizeof kColors[0])];
  cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

void line_style(cairo_t* cr, bool dashed) {
  const double dash[] = {6, 4};
  cairo_set_dash(cr, dash, dashed ? 2 : 0, 0);
  cairo_set_line_width(cr, dashed ? 1.8 : 1.4);
}

void draw_panel(cairo_t* cr, const ChartPanel& panel, double ox, double oy) {
  Range xr, yr;
  for (const auto& s : panel.series)
    for (const auto& [x, y] : s.points) {
      xr.add(x);
      yr.add(y);
    }
  const double w = kPanelWidth - kLeft - kRight, h = kPanelHeight - kTop - kBottom;
  const double px = ox + kLeft, py = oy + kTop;
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_font_size(cr, 14);
  text_at(cr, panel.title, ox + kLeft + w / 2, oy + 16, 0.5, 0.5);
  cairo_set_font_size(cr, 12);
  text_at(cr, panel.x_label, px + w / 2, py + h + 40, 0.5, 0.5);
  cairo_save(cr);
  cairo_translate(cr, ox + 14, py + h / 2);
  cairo_rotate(cr, -M_PI / 2);
  text_at(cr, panel.y_label, 0, 0, 0.5, 0.5);
  cairo_restore(cr);
  if (!(xr.lo <= xr.hi)) {  // no points at all
    text_at(cr, "no data", px + w / 2, py + h / 2, 0.5, 0.5);
    return;
  }
  if (xr.hi == xr.lo) xr.hi = xr.lo + 1;
  if (yr.hi == yr.lo) yr = {yr.lo - 0.5, yr.hi + 0.5};
  const double pad = 0.04 * (yr.hi - yr.lo);
  yr = {yr.lo - pad, yr.hi + pad};
  auto sx = [&](double x) { return px + (x - xr.lo) / (xr.hi - xr.lo) * w; };
  auto sy = [&](double y) { return py + h - (y - yr.lo) / (yr.hi - yr.lo) * h; };
  // Grid and ticks.
  cairo_set_font_size(cr, 11);
  cairo_set_line_width(cr, 1);
  const auto xt = nice_ticks(xr.lo, xr.hi, 5), yt = nice_ticks(yr.lo, yr.hi, 6);
  for (double x : xt) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, sx(x), py);
    cairo_line_to(cr, sx(x), py + h);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text_at(cr, tick_label(x, xt.size() > 1 ? xt[1] - xt[0] : 1), sx(x), py + h + 14, 0.5, 0.5);
  }
  for (double y : yt) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, px, sy(y));
    cairo_line_to(cr, px + w, sy(y));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text_at(cr, tick_label(y, yt.size() > 1 ? yt[1] - yt[0] : 1), px - 6, sy(y), 1.0, 0.5);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_rectangle(cr, px, py, w, h);
  cairo_stroke(cr);
  // The series, clipped to the plot area.
  cairo_save(cr);
  cairo_rectangle(cr, px, py, w, h);
  cairo_clip(cr);
  for (const auto& s : panel.series) {
    if (s.points.empty()) continue;
    set_color(cr, s.run);
    line_style(cr, s.dashed);
    cairo_move_to(cr, sx(s.points[0].first), sy(s.points[0].second));
    for (const auto& [x, y] : s.points) cairo_line_to(cr, sx(x), sy(y));
    cairo_stroke(cr);
  }
  cairo_restore(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
}

void draw_legend(cairo_t* cr, const std::vector<std::string>& legend, const std::string& styles, double width) {
  cairo_set_font_size(cr, 12);
  double x = kLeft;
  const double y = kPanelHeight + kLegendHeight / 2;
  for (size_t i = 0; i < legend.size(); ++i) {
    set_color(cr, static_cast<int>(i));
    line_style(cr, false);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + 28, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text_at(cr, legend[i], x + 34, y, 0, 0.5);
    cairo_text_extents_t e;
    cairo_text_extents(cr, legend[i].c_str(), &e);
    x += 34 + e.x_advance + 24;
  }
  cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
  text_at(cr, styles, width - kRight, y, 1.0, 0.5);
}

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

void draw_line_charts(const std::vector<ChartPanel>& panels, const std::vector<std::string>& legend,
                      const std::string& styles, const std::string& path) {
  const bool svg = common::ends_with(path, ".svg"), png = common::ends_with(path, ".png");
  if (!svg && !png) throw std::runtime_error("'" + path + "': the image's name must end in .svg or .png");
  const double width = kPanelWidth * static_cast<double>(panels.size()), height = kPanelHeight + kLegendHeight;
  std::string bytes;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      svg ? cairo_svg_surface_create_for_stream(append_bytes, &bytes, width, height)
          : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(width), static_cast<int>(height)),
      cairo_surface_destroy);
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()), cairo_destroy);
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  cairo_select_font_face(cr.get(), "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  for (size_t i = 0; i < panels.size(); ++i) draw_panel(cr.get(), panels[i], kPanelWidth * static_cast<double>(i), 0);
  draw_legend(cr.get(), legend, styles, width);
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("'" + path + "': cairo: " + cairo_status_to_string(cairo_status(cr.get())));
  cr.reset();
  if (png && cairo_surface_write_to_png_stream(surface.get(), append_bytes, &bytes) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("'" + path + "': cairo could not encode the PNG");
  cairo_surface_finish(surface.get());  // an SVG is complete only now
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("'" + path + "': cairo: " + cairo_status_to_string(cairo_surface_status(surface.get())));
  common::publish_file(path, bytes);
}

}  // namespace anvil::cli
