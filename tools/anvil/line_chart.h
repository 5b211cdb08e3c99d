#pragma once
// Line charts side by side in one SVG or PNG image, drawn with cairo: each
// panel with its axes, "nice" ticks and labels; one colour per run, shared
// by every panel, and one legend.
#include <string>
#include <utility>
#include <vector>

namespace anvil::cli {

struct ChartSeries {
  int run = 0;         // its colour, and its entry in the legend
  bool dashed = false;  // validation beside training
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
};

struct ChartPanel {
  std::string title, x_label, y_label;
  std::vector<ChartSeries> series;
};

// `legend`: the runs' names; `styles`: what solid and dashed lines mean.
// The format follows the extension of `path` (.svg or .png); the file is
// published whole or not at all. Throws naming the path.
void draw_line_charts(const std::vector<ChartPanel>& panels, const std::vector<std::string>& legend,
                      const std::string& styles, const std::string& path);

// Tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of ten,
// about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target);

}  // namespace anvil::cli
