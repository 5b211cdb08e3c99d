#include "training/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/serialize.h>

#include "common/atomic_file.h"
#include "common/file_checksum.h"
#include "common/read_file.h"
#include "common/staged_directory.h"
#include "models/safetensors.h"

namespace anvil::training {
namespace fs = std::filesystem;
namespace {

constexpr const char* kMarker = "COMPLETE";
// The files whose CRC-32 trainer_state.json records (absent from checkpoints
// of older versions, which are then read unchecked).
constexpr const char* kChecksummed[] = {"model.safetensors", "optimizer.pt"};
constexpr const char* kSetAsideReason = "REASON.txt";
// trainer_state.json's layout. A file without the key was written by an anvil
// before versions, and reads as version 1.
constexpr int64_t kTrainingStateFormat = 1;

// Runs `read`, which reads `path` of a checkpoint (a file, or with IS_DIRECTORY
// a directory whose reader checks its files), and sorts its errors: what
// says the file's bytes are bad (missing, unparsable, wrong shapes) becomes
// CorruptCheckpoint; what says the machine failed (out of memory, permission,
// I/O, a directory where the file should be) passes through unchanged.
template <typename Read>
auto read_checkpoint_file(const fs::path& path, Read&& read, bool is_directory = false) -> decltype(read()) {
  try {
    if (!is_directory) common::check_readable(path);
    else if (!fs::is_directory(path)) throw CorruptCheckpoint("'" + path.string() + "' is missing or not a directory");
    return read();
  } catch (const CorruptCheckpoint&) {
    throw;
  } catch (const std::system_error& e) {  // std::filesystem_error too
    if (e.code() == std::errc::no_such_file_or_directory) throw CorruptCheckpoint("'" + path.string() + "' is missing");
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const c10::OutOfMemoryError&) {
    throw;
  } catch (const std::exception& e) {
    throw CorruptCheckpoint(e.what());
  }
}

// The loader's cursor: draws made, and each source's epoch and position.
nlohmann::json loader_json(const data::MixtureCursor& cursor, const std::vector<int64_t>& source_sizes) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : cursor.sources) sources.push_back({{"epoch", s.epoch}, {"position", s.position}});
  return {{"draws", cursor.draws}, {"sources", sources}, {"source_sizes", source_sizes}};
}

int64_t step_of(const fs::path& dir) {
  const std::string name = dir.filename().string();
  if (name.rfind("step_", 0) != 0) return -1;
  try {
    return std::stoll(name.substr(5));
  } catch (const std::exception&) {
    return -1;
  }
}

// JSON has no NaN or infinity (nlohmann writes them as null, which does not
// read back as a number): a non-finite value is written as a string.
nlohmann::json number_json(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

// What number_json wrote, or null, which older versions wrote for a
// non-finite value (read as NaN); nullopt for anything else.
std::optional<double> number_from_json(const nlohmann::json& json) {
  if (json.is_number()) return json.get<double>();
  if (json.is_null() || json == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (json == "inf") return std::numeric_limits<double>::infinity();
  if (json == "-inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

double read_number(const nlohmann::json& json, const std::string& key) {
  const auto value = number_from_json(json);
  if (!value) throw std::runtime_error("'" + key + "' is " + json.dump() + ", expected a number, \"nan\" or \"inf\"");
  return *value;
}

// A checkpoint's finite score by keep_best, if it recorded one. A diverged
// validation (NaN, inf) is no candidate for the best.
std::optional<double> recorded_score(const std::string& dir, const std::string& keep_best) {
  std::ifstream in(fs::path(dir) / "trainer_state.json");
  const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains(keep_best)) return std::nullopt;
  const auto value = number_from_json(json[keep_best]);
  if (!value || !std::isfinite(*value)) return std::nullopt;
  return value;
}

// The best of `checkpoints` by keep_best ("val_loss": lowest, "val_accuracy":
// highest), or "" when none recorded it.
std::string best_checkpoint(const std::vector<std::string>& checkpoints, const std::string& keep_best) {
  std::string best;
  // Negating accuracy makes both a minimum.
  const double sign = keep_best == "val_accuracy" ? -1.0 : 1.0;
  double best_value = std::numeric_limits<double>::infinity();
  for (const auto& dir : checkpoints) {
    const auto score = recorded_score(dir, keep_best);
    if (score && sign * *score < best_value) {
      best_value = sign * *score;
      best = dir;
    }
  }
  return best;
}

}  // namespace

void verify_checksum(const std::string& checkpoint_dir, const std::string& file) {
  const fs::path state_path = fs::path(checkpoint_dir) / "trainer_state.json";
  if (!fs::exists(state_path)) return;  // not a training checkpoint
  const auto state = nlohmann::json::parse(common::read_file(state_path), nullptr, /*allow_exceptions=*/false);
  if (!state.is_object() || !state.contains("checksums")) return;  // written before checksums; or broken, which
                                                                   // the state's own reader reports
  const auto& recorded = state["checksums"];
  if (!recorded.is_object() || !recorded.contains(file) || !recorded[file].is_string())
    throw CorruptCheckpoint("'" + state_path.string() + "' records no checksum of " + file);
  const fs::path path = fs::path(checkpoint_dir) / file;
  const std::string actual = read_checkpoint_file(path, [&] { return common::file_crc32(path); });
  if (actual != recorded[file].get<std::string>())
    throw CorruptCheckpoint("'" + path.string() + "' changed since it was written: its CRC-32 is " + actual +
                            ", the checkpoint recorded " + recorded[file].get<std::string>());
}

std::vector<std::string> complete_checkpoints(const std::string& run_dir) {
  std::vector<fs::path> found;
  const fs::path root = fs::path(run_dir) / "checkpoints";
  if (fs::is_directory(root))
    for (const auto& entry : fs::directory_iterator(root))
      if (step_of(entry.path()) >= 0 && is_complete_checkpoint(entry.path().string())) found.push_back(entry.path());
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) { return step_of(a) < step_of(b); });
  return {found.begin(), found.end()};
}

void remove_partial_checkpoints(const std::string& run_dir) {
  const fs::path root = fs::path(run_dir) / "checkpoints";
  if (!fs::is_directory(root)) return;
  std::vector<fs::path> partial;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.path().filename().string().rfind(".tmp-", 0) == 0) partial.push_back(entry.path());
  for (const auto& p : partial) fs::remove_all(p);
}

std::string save_checkpoint(const std::string& run_dir, const CheckpointContents& c) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%08lld", static_cast<long long>(c.state.step));
  const fs::path final_dir = fs::path(run_dir) / "checkpoints" / name;
  common::StagedDirectory staged(final_dir);  // an older checkpoint of the same step is replaced
  const fs::path& dir = staged.path();

  models::save_safetensors((dir / "model.safetensors").string(), c.weights);
  torch::save(c.optimizer, (dir / "optimizer.pt").string());
  nlohmann::json checksums;
  for (const char* file : kChecksummed) checksums[file] = common::file_crc32(dir / file);
  nlohmann::json state = {{"format_version", kTrainingStateFormat},
                          {"checksums", checksums},
                          {"step", c.state.step},
                          {"tokens_seen", c.state.tokens_seen},
                          {"loader", loader_json(c.state.cursor, c.state.source_sizes)}};
  if (c.state.val_loss) state["val_loss"] = number_json(*c.state.val_loss);
  if (c.state.val_accuracy) state["val_accuracy"] = number_json(*c.state.val_accuracy);
  if (c.state.best_score)
    state["early_stopping"] = {{"best_score", number_json(*c.state.best_score)},
                               {"validations_since_best", c.state.validations_since_best}};
  common::publish_file(dir / "trainer_state.json", state.dump(2) + "\n");
  common::publish_file(dir / "config.yaml", c.config_yaml);
  c.tokenizer.save((dir / data::tokenizer_file_name(c.tokenizer.type())).string());
  common::publish_file(dir / kMarker, "");
  staged.commit();
  return final_dir.string();
}

bool is_complete_checkpoint(const std::string& dir) { return fs::is_regular_file(fs::path(dir) / kMarker); }

bool is_incomplete_checkpoint(const std::string& dir) {
  fs::path path = fs::path(dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "ckpt/" names ckpt
  if (path.filename().string().rfind(".tmp-", 0) == 0) return true;
  const bool has_state = fs::exists(path / "optimizer.pt") || fs::exists(path / "trainer_state.json");
  return has_state && !is_complete_checkpoint(dir);
}

std::string latest_checkpoint(const std::string& run_dir) {
  const auto all = complete_checkpoints(run_dir);
  return all.empty() ? "" : all.back();
}

void prune_checkpoints(const std::string& run_dir, const std::string& written, int64_t keep_last,
                       const std::string& keep_best) {
  if (keep_last <= 0) return;
  auto all = complete_checkpoints(run_dir);
  const int64_t written_step = step_of(written);
  all.erase(std::remove_if(all.begin(), all.end(), [&](const std::string& dir) { return step_of(dir) > written_step; }),
            all.end());
  const std::string best = keep_best.empty() ? "" : best_checkpoint(all, keep_best);
  for (size_t i = 0; i + static_cast<size_t>(keep_last) < all.size(); ++i)
    if (all[i] != best) fs::remove_all(all[i]);
}

std::string set_aside_checkpoint(const std::string& dir, const std::string& reason) {
  const fs::path from = dir;
  const std::string name = "broken-" + from.filename().string();
  fs::path to = from.parent_path() / name;
  for (int n = 2; fs::exists(to); ++n) to = from.parent_path() / (name + "-" + std::to_string(n));
  fs::rename(from, to);
  common::sync_path(to.parent_path());
  common::publish_file(to / kSetAsideReason, reason + "\n");
  return to.string();
}

void load_model_weights(const std::string& checkpoint_dir, models::GPT& model,
                        const std::function<bool(const std::string&)>& optional) {
  if (!is_complete_checkpoint(checkpoint_dir))
    throw CorruptCheckpoint("'" + checkpoint_dir + "' is not a complete checkpoint (no " + kMarker + " marker)");
  // The model sections already agree (check_checkpoint_config): an error here
  // is the file's own.
  const std::string path = (fs::path(checkpoint_dir) / "model.safetensors").string();
  verify_checksum(checkpoint_dir, "model.safetensors");
  read_checkpoint_file(path, [&] { models::load_module_file(*model, path, optional); });
}

namespace {

void load_optimizer_state(const std::string& path, torch::optim::Optimizer& optimizer) {
  read_checkpoint_file(path, [&] {
    try {
      torch::load(optimizer, path);
    } catch (const c10::OutOfMemoryError&) {
      throw;
    } catch (const c10::Error& e) {
      throw CorruptCheckpoint("cannot load optimizer state '" + path + "': " + e.what_without_backtrace());
    }
  });
}

// A file of a newer format is no corrupt file: a newer anvil reads it.
void require_known_format(const nlohmann::json& json, const fs::path& path) {
  const auto version = json.is_object() ? json.find("format_version") : json.end();
  if (version == json.end()) return;
  if (!version->is_number_integer())
    throw CorruptCheckpoint("'" + path.string() + "' is not a valid training state: format_version is " +
                            version->dump());
  if (version->get<int64_t>() > kTrainingStateFormat)
    throw std::runtime_error("'" + path.string() + "' has format_version " + version->dump() +
                             ", newer than the version " + std::to_string(kTrainingStateFormat) +
                             " this anvil reads: resume it with a newer anvil");
}

TrainingState training_state_from(const nlohmann::json& json) {
  TrainingState state;
  state.step = json.at("step").get<int64_t>();
  state.tokens_seen = json.at("tokens_seen").get<int64_t>();
  state.cursor.draws = json.at("loader").at("draws").get<int64_t>();
  // Absent from the checkpoints of older versions.
  state.source_sizes = json.at("loader").value("source_sizes", std::vector<int64_t>{});
  for (const auto& source : json.at("loader").at("sources"))
    state.cursor.sources.push_back({source.at("epoch").get<int64_t>(), source.at("position").get<int64_t>()});
  if (json.contains("val_loss")) state.val_loss = read_number(json["val_loss"], "val_loss");
  if (json.contains("val_accuracy")) state.val_accuracy = read_number(json["val_accuracy"], "val_accuracy");
  if (json.contains("early_stopping")) {
    state.best_score = read_number(json["early_stopping"].at("best_score"), "early_stopping.best_score");
    state.validations_since_best = json["early_stopping"].at("validations_since_best").get<int64_t>();
  }
  return state;
}

}  // namespace

TrainingState load_training_state(const std::string& checkpoint_dir, torch::optim::Optimizer& optimizer) {
  verify_checksum(checkpoint_dir, "optimizer.pt");
  load_optimizer_state((fs::path(checkpoint_dir) / "optimizer.pt").string(), optimizer);
  const auto path = fs::path(checkpoint_dir) / "trainer_state.json";
  auto invalid = [&](const std::exception& e) {
    return CorruptCheckpoint("'" + path.string() + "' is not a valid training state: " + e.what());
  };
  const auto json = read_checkpoint_file(path, [&] {
    try {
      return nlohmann::json::parse(common::read_file(path));
    } catch (const nlohmann::json::exception& e) {
      throw invalid(e);
    }
  });
  require_known_format(json, path);
  try {
    return training_state_from(json);
  } catch (const std::exception& e) {  // nlohmann's errors and read_number's
    throw invalid(e);
  }
}

std::unique_ptr<data::Tokenizer> load_checkpoint_tokenizer(const std::string& checkpoint_dir, const std::string& type) {
  const auto path = (fs::path(checkpoint_dir) / data::tokenizer_file_name(type)).string();
  // An hf tokenizer is a directory of the files it was read from; its loader checks each.
  return read_checkpoint_file(path, [&] { return data::load_tokenizer(type, path); }, type == "hf");
}

}  // namespace anvil::training
