#pragma once
// A run's TensorBoard event file, <run dir>/events.out.tfevents.<time>.<host>:
// TFRecords of Event protobufs (tensorflow/core/util/event.proto) holding
// scalar and text summaries, written without TensorFlow or protobuf. Each
// write() is flushed, so a crash loses at most the one being written.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/output_file.h"

namespace anvil::training {

class EventFile {
 public:
  // Opens the directory's event file, keeping its events up to
  // `keep_through_step` (a resumed run's checkpoint) and dropping later ones
  // and any record cut short, which the resumed run writes again; or starts
  // one. TensorBoard then sees each step once, in order.
  EventFile(const std::filesystem::path& run_dir, int64_t keep_through_step);

  // One event at `step` of the scalars (tag, value) given, as float32, which
  // is what TensorBoard's simple_value holds.
  void write_scalars(int64_t step, const std::vector<std::pair<std::string, double>>& scalars);
  // A text summary (TensorBoard renders it as Markdown).
  void write_text(int64_t step, const std::string& tag, std::string_view text);

  const std::filesystem::path& path() const { return path_; }
  // Events the file held up to keep_through_step when opened (0: a new file).
  int64_t events_kept() const { return events_kept_; }

 private:
  void write_event(int64_t step, std::string_view summary);

  std::filesystem::path path_;
  std::unique_ptr<common::OutputFile> out_;
  int64_t events_kept_ = 0;
};

// The step of an encoded Event (0 when it has none), for tests and resumes.
int64_t event_step(std::string_view event);

}  // namespace anvil::training
