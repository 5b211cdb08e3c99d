#pragma once
// What anvil prints on stdout while it works, in the form main chose once:
//   text   the default: log lines; on a terminal also one live progress line
//          kept under them (bar, done/total, %, rate, the job's figures, ETA);
//   json   one JSON object per line for scripts: records and progress;
//   quiet  nothing but errors and warnings, which go to stderr in every form.
// Single-threaded use: the thread that runs the job prints.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace anvil::common {

enum class LogFormat { kText, kJson };

struct ConsoleOptions {
  LogFormat format = LogFormat::kText;
  bool quiet = false;
  // The live line: on when stdout is a terminal (and TERM is not "dumb").
  bool live = false;
};

// From --quiet and --log-format, with `live` found from stdout itself.
ConsoleOptions console_options(LogFormat format, bool quiet);
void configure_console(const ConsoleOptions& options);
const ConsoleOptions& console();

// "3h05m", "4m02s", "7s": a duration as people read it.
std::string format_duration(double seconds);

// A log line for people (printf format, no newline): printed in text form,
// above the live line; {"event": "message", "text": ...} in json form.
void say(const char* format, ...) __attribute__((format(printf, 1, 2)));

// printf into a string.
std::string format_text(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A step's figures: `line` for people in text form; for scripts in json
// form, {"event": EVENT, "step": STEP, VALUES...} in its place.
void record(const std::string& event, int64_t step, const std::map<std::string, double>& values,
            const std::string& line);

// A long job's progress, `total` units (0: unknown); the unit "byte" is shown
// in MB. On a terminal, update()
// redraws the live line at most ten times a second; in json form it writes a
// {"event": "progress", ...} record at most once a second; otherwise nothing.
// The rate and ETA come from the units done since it began. One at a time.
class ProgressLine {
 public:
  ProgressLine(std::string job, int64_t total, std::string unit);
  ~ProgressLine();  // clears the live line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // `figures`: the job's own, e.g. "loss 1.8411 | 12.3k tok/s".
  void update(int64_t done, const std::string& figures = "");
  // The first `done` units were done before this process (a resumed run):
  // they count toward the bar but not toward the rate.
  void start_from(int64_t done);
  void set_total(int64_t total) { total_ = total; }

  // The line as drawn for `width` columns (for tests and redraws).
  std::string render(int width) const;
  // Draws it again, under a log line just printed over it.
  void redraw();
  bool drawn() const { return drawn_; }

 private:
  void write_json();

  std::string job_, unit_, figures_;
  int64_t total_ = 0, done_ = 0, first_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_, last_json_;
  bool drawn_ = false;
};

}  // namespace anvil::common
