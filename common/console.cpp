#include "common/console.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

namespace anvil::common {
namespace {

using Clock = std::chrono::steady_clock;

ConsoleOptions options_;
ProgressLine* active_ = nullptr;

int terminal_width() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 100;
}

void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void write_json_line(const nlohmann::json& line) {
  write_stdout(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// "12.3k", "4.56M": a rate in a few characters.
std::string short_number(double x) {
  char buffer[32];
  if (x >= 1e6)
    std::snprintf(buffer, sizeof buffer, "%.2fM", x / 1e6);
  else if (x >= 1e4)
    std::snprintf(buffer, sizeof buffer, "%.1fk", x / 1e3);
  else if (x >= 10)
    std::snprintf(buffer, sizeof buffer, "%.0f", x);
  else
    std::snprintf(buffer, sizeof buffer, "%.2f", x);
  return buffer;
}

}  // namespace

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%llds", s);
  return buffer;
}

ConsoleOptions console_options(LogFormat format, bool quiet) {
  const char* term = std::getenv("TERM");
  const bool terminal = ::isatty(STDOUT_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
  return {format, quiet, format == LogFormat::kText && !quiet && terminal};
}

void configure_console(const ConsoleOptions& options) { options_ = options; }

const ConsoleOptions& console() { return options_; }

namespace {

std::string vformat(const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string text(static_cast<size_t>(std::max(n, 0)) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  text.pop_back();
  return text;
}

void say_line(const std::string& text) {
  if (options_.quiet) return;
  if (options_.format == LogFormat::kJson) {
    write_json_line({{"event", "message"}, {"text", text}});
    return;
  }
  const bool redraw = active_ && active_->drawn();
  write_stdout((redraw ? "\r\033[2K" : "") + text + "\n");
  if (redraw) active_->redraw();
}

}  // namespace

std::string format_text(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::string text = vformat(format, args);
  va_end(args);
  return text;
}

void say(const char* format, ...) {
  va_list args;
  va_start(args, format);
  const std::string text = vformat(format, args);
  va_end(args);
  say_line(text);
}

void record(const std::string& event, int64_t step, const std::map<std::string, double>& values,
            const std::string& line) {
  if (options_.quiet) return;
  if (options_.format != LogFormat::kJson) return say_line(line);
  nlohmann::json json = {{"event", event}, {"step", step}};
  for (const auto& [key, value] : values) json[key] = value;
  write_json_line(json);
}

ProgressLine::ProgressLine(std::string job, int64_t total, std::string unit)
    : job_(std::move(job)), unit_(std::move(unit)), total_(total), start_(Clock::now()) {
  active_ = this;
}

ProgressLine::~ProgressLine() {
  if (drawn_) write_stdout("\r\033[2K");
  if (options_.format == LogFormat::kJson && !options_.quiet && done_ > first_) write_json();
  if (active_ == this) active_ = nullptr;
}

void ProgressLine::start_from(int64_t done) {
  first_ = done_ = done;
  start_ = Clock::now();
}

void ProgressLine::update(int64_t done, const std::string& figures) {
  done_ = done;
  figures_ = figures;
  const auto now = Clock::now();
  if (options_.live && (!drawn_ || seconds_between(last_draw_, now) >= 0.1)) redraw();
  if (options_.format == LogFormat::kJson && !options_.quiet && seconds_between(last_json_, now) >= 1.0) write_json();
}

std::string ProgressLine::render(int width) const {
  const double elapsed = seconds_between(start_, Clock::now());
  const double rate = elapsed > 0 ? static_cast<double>(done_ - first_) / elapsed : 0;
  // Bytes are counted exactly and shown in MB, so a 1.1 MB corpus reads 1.1/1.1.
  const bool bytes = unit_ == "byte";
  const std::string unit = bytes ? "MB" : unit_;
  auto amount = [&](int64_t n) {
    return bytes ? format_text("%.1f", static_cast<double>(n) / 1e6) : std::to_string(n);
  };
  std::string counts = amount(done_);
  if (total_ > 0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, " %3.0f%%",
                  100.0 * std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_)));
    counts += "/" + amount(total_) + percent;
  } else {
    counts += " " + unit;
  }
  std::string tail = " | " + short_number(bytes ? rate / 1e6 : rate) + " " + unit + "/s";
  if (!figures_.empty()) tail += " | " + figures_;
  tail += " | " + format_duration(elapsed) + " elapsed";
  if (total_ > 0 && rate > 0) tail += " | eta " + format_duration(static_cast<double>(total_ - done_) / rate);
  std::string bar;
  if (total_ > 0) {
    constexpr int kCells = 24;
    const auto full = static_cast<int>(kCells * std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_)));
    bar = " [" + std::string(static_cast<size_t>(full), '=') + (full < kCells ? ">" : "") +
          std::string(static_cast<size_t>(std::max(0, kCells - full - 1)), ' ') + "]";
  }
  std::string line = job_ + bar + " " + counts + tail;
  if (width > 1 && static_cast<int>(line.size()) >= width) line.resize(static_cast<size_t>(width - 1));
  return line;
}

void ProgressLine::redraw() {
  write_stdout("\r\033[2K" + render(terminal_width()));
  drawn_ = true;
  last_draw_ = Clock::now();
}

void ProgressLine::write_json() {
  nlohmann::json line = {{"event", "progress"}, {"job", job_}, {"done", done_}, {"unit", unit_}};
  if (total_ > 0) line["total"] = total_;
  line["elapsed_s"] = seconds_between(start_, Clock::now());
  write_json_line(line);
  last_json_ = Clock::now();
}

}  // namespace anvil::common
