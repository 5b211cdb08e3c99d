#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "common/console.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "tools/anvil/line_chart.h"

namespace anvil::cli {
namespace {
namespace fs = std::filesystem;

struct RunCurves {
  std::string name;
  std::vector<std::pair<double, double>> train_loss, val_loss, lr;
  std::map<double, double> tokens_at_step;  // from the train records
};

// A run directory or its metrics.jsonl; an unreadable line names the file and line.
RunCurves read_run(const std::string& run) {
  const fs::path path = fs::is_directory(run) ? fs::path(run) / "metrics.jsonl" : fs::path(run);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open '" + path.string() + "': give a run directory or its metrics.jsonl");
  RunCurves curves;
  curves.name = (fs::is_directory(run) ? fs::path(run) : path.parent_path()).lexically_normal().filename().string();
  if (curves.name.empty()) curves.name = fs::absolute(run).lexically_normal().parent_path().filename().string();
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("step") || !record["step"].is_number())
      throw std::runtime_error(path.string() + ":" + std::to_string(number) +
                               ": expected a JSON object with a \"step\", as anvil train writes");
    const double step = record["step"].get<double>();
    auto number_at = [&](const char* key, std::vector<std::pair<double, double>>& out) {
      if (record.contains(key) && record[key].is_number()) out.emplace_back(step, record[key].get<double>());
    };
    number_at("loss", curves.train_loss);
    number_at("val_loss", curves.val_loss);
    number_at("lr", curves.lr);
    if (record.contains("tokens_seen") && record["tokens_seen"].is_number())
      curves.tokens_at_step[step] = record["tokens_seen"].get<double>();
  }
  for (auto* series : {&curves.train_loss, &curves.val_loss, &curves.lr}) std::sort(series->begin(), series->end());
  if (curves.train_loss.empty() && curves.val_loss.empty())
    throw std::runtime_error("'" + path.string() + "' holds no loss to plot");
  return curves;
}

// Tokens seen by `step`: the train records' count, or the nearest earlier
// record's rate per step for a validation between log lines.
double tokens_at(const RunCurves& run, double step) {
  auto after = run.tokens_at_step.upper_bound(step);
  if (after == run.tokens_at_step.begin()) return after == run.tokens_at_step.end() ? 0 : after->second / after->first * step;
  const auto& [s, tokens] = *std::prev(after);
  return s == step ? tokens : tokens / s * step;
}

std::vector<std::pair<double, double>> against_tokens(const RunCurves& run, const std::vector<std::pair<double, double>>& by_step) {
  std::vector<std::pair<double, double>> out;
  for (const auto& [step, y] : by_step) out.emplace_back(tokens_at(run, step), y);
  return out;
}

}  // namespace

int plot_command(const Args& args) {
  if (wants_help(args)) {
    std::printf(
        "usage: anvil plot RUN [RUN ...] --out FILE.svg|FILE.png\n\n"
        "Draws the runs' training and validation loss against step and against tokens seen, and their\n"
        "learning rate, from each RUN's metrics.jsonl (RUN: a run directory or the file), one colour per run.\n");
    return 0;
  }
  std::string out;
  std::vector<std::string> runs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out") {
      if (i + 1 == args.size()) throw std::runtime_error("--out needs the image's path (.svg or .png)");
      out = args[++i];
    } else if (args[i].rfind("--out=", 0) == 0) {
      out = args[i].substr(6);
    } else if (args[i].rfind("--", 0) == 0) {
      throw std::runtime_error("unknown option '" + args[i] + "' (see anvil plot --help)");
    } else {
      runs.push_back(args[i]);
    }
  }
  if (runs.empty() || out.empty()) throw std::runtime_error("anvil plot needs at least one RUN and --out FILE.svg|png");
  std::vector<RunCurves> curves;
  for (const auto& run : runs) curves.push_back(read_run(run));
  ChartPanel by_step{"loss against step", "step", "loss (nats per token)", {}};
  ChartPanel by_tokens{"loss against tokens", "tokens seen", "loss (nats per token)", {}};
  ChartPanel lr{"learning rate", "step", "learning rate", {}};
  std::vector<std::string> legend;
  for (size_t i = 0; i < curves.size(); ++i) {
    const auto& c = curves[i];
    const int run = static_cast<int>(i);
    legend.push_back(c.name);
    by_step.series.push_back({run, false, c.train_loss});
    by_step.series.push_back({run, true, c.val_loss});
    by_tokens.series.push_back({run, false, against_tokens(c, c.train_loss)});
    by_tokens.series.push_back({run, true, against_tokens(c, c.val_loss)});
    lr.series.push_back({run, false, c.lr});
  }
  draw_line_charts({by_step, by_tokens, lr}, legend, "solid: train   dashed: validation", out);
  common::say("%s: %zu run%s", out.c_str(), curves.size(), curves.size() == 1 ? "" : "s");
  return 0;
}

}  // namespace anvil::cli
