#include "training/event_file.h"

#include <unistd.h>

#include <chrono>

#include "common/atomic_file.h"
#include "common/read_file.h"
#include "common/tfrecord.h"

namespace anvil::training {
namespace {

// The protobuf wire format, as much of it as Event needs.
enum Wire { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

class Proto {
 public:
  Proto& varint(int field, uint64_t value) {
    key(field, kVarint);
    raw_varint(value);
    return *this;
  }
  Proto& fixed64(int field, double value) {
    key(field, kFixed64);
    return raw(&value, 8);
  }
  Proto& fixed32(int field, float value) {
    key(field, kFixed32);
    return raw(&value, 4);
  }
  Proto& bytes(int field, std::string_view value) {
    key(field, kBytes);
    raw_varint(value.size());
    bytes_ += value;
    return *this;
  }
  const std::string& str() const { return bytes_; }

 private:
  void key(int field, Wire wire) { raw_varint(static_cast<uint64_t>(field) << 3 | wire); }
  void raw_varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) bytes_.push_back(static_cast<char>(v | 0x80));
    bytes_.push_back(static_cast<char>(v));
  }
  Proto& raw(const void* p, size_t n) {  // little-endian, as x86 and ARM store it
    bytes_.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string bytes_;
};

// Field numbers of event.proto, summary.proto, tensor.proto, tensor_shape.proto.
namespace event { constexpr int kWallTime = 1, kStep = 2, kFileVersion = 3, kSummary = 5; }
namespace summary { constexpr int kValue = 1; }
namespace value { constexpr int kTag = 1, kSimpleValue = 2, kTensor = 8, kMetadata = 9; }
namespace metadata { constexpr int kPluginData = 1; }
namespace plugin_data { constexpr int kPluginName = 1; }
namespace tensor { constexpr int kDtype = 1, kShape = 2, kStringVal = 8, kDtString = 7; }
namespace shape { constexpr int kDim = 2, kDimSize = 1; }

double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::filesystem::path existing_or_new_file(const std::filesystem::path& dir) {
  std::filesystem::path found;
  if (std::filesystem::is_directory(dir))
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("events.out.tfevents.", 0) == 0 && name.find(".tmp") == std::string::npos &&
          (found.empty() || entry.path() < found))
        found = entry.path();
    }
  if (!found.empty()) return found;
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return dir / ("events.out.tfevents." + std::to_string(static_cast<int64_t>(wall_time())) + "." + host);
}

// Reads the varint at `at` and moves past it; false when the bytes end first.
bool read_varint(std::string_view in, size_t& at, uint64_t& value) {
  value = 0;
  for (int shift = 0; at < in.size() && shift < 64; shift += 7) {
    const auto b = static_cast<unsigned char>(in[at++]);
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

int64_t event_step(std::string_view event) {
  size_t at = 0;
  uint64_t key = 0, value = 0;
  while (at < event.size() && read_varint(event, at, key)) {
    const auto wire = static_cast<int>(key & 7);
    if (wire == kVarint) {
      if (!read_varint(event, at, value)) break;
      if ((key >> 3) == event::kStep) return static_cast<int64_t>(value);
    } else if (wire == kFixed64) {
      at += 8;
    } else if (wire == kFixed32) {
      at += 4;
    } else if (wire == kBytes) {
      if (!read_varint(event, at, value) || value > event.size() - at) break;
      at += value;
    } else {
      break;
    }
  }
  return 0;
}

EventFile::EventFile(const std::filesystem::path& run_dir, int64_t keep_through_step)
    : path_(existing_or_new_file(run_dir)) {
  // TensorBoard reads the file's format from its first event.
  std::string kept =
      common::tfrecord(Proto().fixed64(event::kWallTime, wall_time()).bytes(event::kFileVersion, "brain.Event:2").str());
  if (std::filesystem::exists(path_)) {
    const std::string old = common::read_file(path_);
    const auto records = common::read_tfrecords(old).records;
    for (size_t i = 1; i < records.size(); ++i)
      if (event_step(records[i]) <= keep_through_step) {
        kept += common::tfrecord(records[i]);
        ++events_kept_;
      }
  }
  common::publish_file(path_, kept);
  out_ = std::make_unique<common::OutputFile>(path_, common::OutputFile::Mode::kAppend);
}

void EventFile::write_scalars(int64_t step, const std::vector<std::pair<std::string, double>>& scalars) {
  Proto summary_proto;
  for (const auto& [tag, v] : scalars)
    summary_proto.bytes(summary::kValue,
                        Proto().bytes(value::kTag, tag).fixed32(value::kSimpleValue, static_cast<float>(v)).str());
  write_event(step, summary_proto.str());
}

void EventFile::write_text(int64_t step, const std::string& tag, std::string_view text) {
  const std::string tensor_proto = Proto()
                                       .varint(tensor::kDtype, tensor::kDtString)
                                       .bytes(tensor::kShape, Proto().bytes(shape::kDim, Proto().varint(shape::kDimSize, 1).str()).str())
                                       .bytes(tensor::kStringVal, text)
                                       .str();
  const std::string metadata_proto =
      Proto().bytes(metadata::kPluginData, Proto().bytes(plugin_data::kPluginName, "text").str()).str();
  const std::string value_proto =
      Proto().bytes(value::kTag, tag).bytes(value::kMetadata, metadata_proto).bytes(value::kTensor, tensor_proto).str();
  write_event(step, Proto().bytes(summary::kValue, value_proto).str());
}

void EventFile::write_event(int64_t step, std::string_view summary_proto) {
  const std::string event_proto = Proto()
                                      .fixed64(event::kWallTime, wall_time())
                                      .varint(event::kStep, static_cast<uint64_t>(step))
                                      .bytes(event::kSummary, summary_proto)
                                      .str();
  out_->write(common::tfrecord(event_proto));
  out_->flush();
}

}  // namespace anvil::training
