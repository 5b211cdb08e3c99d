#include "recipes/run_resume.h"

#include <cstdio>
#include <system_error>

#include "common/atomic_file.h"
#include "common/console.h"
#include "common/read_file.h"
#include "recipes/checkpoint_config.h"
#include "recipes/config_loader.h"
#include "recipes/model_builder.h"
#include "recipes/resolved_config.h"

namespace anvil::recipes {
using namespace training;
namespace fs = std::filesystem;
namespace {

// A checkpoint's tokenizer must be the one the run's data is encoded with:
// that of the newest checkpoint whose tokenizer loads.
void require_run_tokenizer(const std::string& dir, const RunConfig& config, const data::Tokenizer& tokenizer) {
  if (load_checkpoint_tokenizer(dir, config.tokenizer.type)->fingerprint() != tokenizer.fingerprint())
    throw CorruptCheckpoint("its tokenizer differs from that of the newer checkpoints the run encodes its data with");
}

// The checkpoint's weights, after the check that its config.yaml describes
// the run's model. A config.yaml that is missing or does not parse is the
// checkpoint's fault; one the machine cannot read is not.
void load_weights(const std::string& dir, models::GPT& model, const RunConfig& config) {
  const auto saved_config = fs::path(dir) / "config.yaml";
  try {
    common::check_readable(saved_config);
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::no_such_file_or_directory) throw;
    throw CorruptCheckpoint("'" + saved_config.string() + "' is missing");
  }
  try {
    load_checkpoint_weights(dir, model, config);
  } catch (const ConfigError& e) {  // the saved config's: the run's own was loaded before
    throw CorruptCheckpoint(e.what());
  }
}

}  // namespace

RunDirectory open_run_directory(const RunConfig& config, Communicator& comm) {
  RunDirectory directory;
  if (comm.is_main()) {
    fs::create_directories(config.run.dir);
    directory.lock = std::make_unique<RunDirectoryLock>(config.run.dir);
    remove_partial_checkpoints(config.run.dir);
  }
  comm.barrier();
  directory.checkpoints = complete_checkpoints(config.run.dir);
  if (resolve(config).resume == ResumeMode::kNever && !directory.checkpoints.empty())
    throw std::runtime_error("run.dir '" + config.run.dir +
                             "' already holds checkpoints and run.resume is never: choose another run.dir");
  return directory;
}

void ResumeCandidates::skip_newest(const CorruptCheckpoint& e) {
  std::fprintf(stderr, "warning: skipping checkpoint %s: %s\n", candidates.back().c_str(), e.what());
  broken.push_back({candidates.back(), e.what()});
  candidates.pop_back();
}

void ResumeCandidates::require_one_left() const {
  if (candidates.empty() && !broken.empty())
    throw std::runtime_error("none of the " + std::to_string(broken.size()) +
                             " checkpoints in the run directory could be loaded (see the warnings above)");
}

std::unique_ptr<data::Tokenizer> starting_tokenizer(const RunConfig& config, ResumeCandidates& resume) {
  while (!resume.candidates.empty()) {
    try {
      return load_checkpoint_tokenizer(resume.candidates.back(), config.tokenizer.type);
    } catch (const CorruptCheckpoint& e) {
      resume.skip_newest(e);
    }
  }
  resume.require_one_left();
  // An hf tokenizer.path is what the config says (the imported model's own
  // tokenizer/ when it names none): never silently another one.
  if (config.tokenizer.type == "hf") return load_config_tokenizer(config);
  const auto from = fs::path(config.model.init_from) / data::tokenizer_file_name(config.tokenizer.type);
  if (!config.model.init_from.empty() && fs::exists(from)) return data::load_tokenizer(config.tokenizer.type, from.string(), config.tokenizer.chat_template);
  return nullptr;
}

TrainingState restore_newest(ResumeCandidates& resume, models::GPT& model, ShardedAdamW& optimizer,
                             const RunConfig& config, const data::Tokenizer& tokenizer) {
  while (!resume.candidates.empty()) {
    const std::string dir = resume.candidates.back();
    try {
      require_run_tokenizer(dir, config, tokenizer);
      load_weights(dir, model, config);
      TrainingState state;
      optimizer.load_full_state([&](torch::optim::Optimizer& full) { state = load_training_state(dir, full); });
      common::say("resuming from %s (step %lld)", dir.c_str(), (long long)state.step);
      std::fflush(stdout);
      return state;
    } catch (const CorruptCheckpoint& e) {
      resume.skip_newest(e);
    }  // anything else (the config describes another model, the machine failed) stops the run
  }
  resume.require_one_left();
  return {};
}

void record_source_sizes(TrainingState& state, const RunData& data, bool warn) {
  std::vector<int64_t> sizes;
  for (const auto& source : data.train) sizes.push_back(source->size());
  auto list = [](const std::vector<int64_t>& v) {
    std::string out;
    for (const int64_t n : v) out += (out.empty() ? "" : ", ") + std::to_string(n);
    return "[" + out + "]";
  };
  if (warn && !state.source_sizes.empty() && state.source_sizes != sizes)
    std::fprintf(stderr,
                 "warning: the training data changed since the checkpoint (blocks per source %s, now %s): the "
                 "resumed batches differ from those of an uninterrupted run\n",
                 list(state.source_sizes).c_str(), list(sizes).c_str());
  state.source_sizes = std::move(sizes);
}

void set_aside_broken(const std::vector<BrokenCheckpoint>& broken) {
  for (const auto& checkpoint : broken)
    std::fprintf(stderr, "warning: moved checkpoint %s, which does not load, to %s\n", checkpoint.dir.c_str(),
                 set_aside_checkpoint(checkpoint.dir, checkpoint.reason).c_str());
}

void write_run_files(const fs::path& run_dir, const std::string& config_yaml, const data::Tokenizer& tokenizer) {
  common::publish_file(run_dir / "config.yaml", config_yaml);
  tokenizer.save((run_dir / data::tokenizer_file_name(tokenizer.type())).string());
}

}  // namespace anvil::recipes
