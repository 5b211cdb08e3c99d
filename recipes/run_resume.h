#pragma once
// Opening a run directory and resuming from its checkpoints: which checkpoint
// a run continues from, its tokenizer, and what happens to the broken ones.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/tokenizer.h"
#include "models/gpt.h"
#include "training/checkpoint.h"
#include "training/communicator.h"
#include "recipes/run_config.h"
#include "recipes/run_data.h"
#include "training/run_lock.h"
#include "training/sharded_adamw.h"

namespace anvil::recipes {

// The run directory as a run holds it: rank 0's lock, and on every rank the
// complete checkpoints a resumed run may continue from, oldest first.
struct RunDirectory {
  std::unique_ptr<training::RunDirectoryLock> lock;
  std::vector<std::string> checkpoints;
};

// Creates the run directory. Rank 0 locks it, before anything in it is
// touched, and clears what a killed run left. The other ranks of the run
// take no lock: they would lock rank 0 out.
RunDirectory open_run_directory(const RunConfig& config, training::Communicator& comm);

// A checkpoint whose files are bad (training::CorruptCheckpoint), and why.
struct BrokenCheckpoint {
  std::string dir;
  std::string reason;
};

// The run directory's complete checkpoints while the run picks the one it
// resumes from: the newest candidate is tried next.
struct ResumeCandidates {
  std::vector<std::string> candidates;   // oldest first
  std::vector<BrokenCheckpoint> broken;  // tried and found corrupt

  // Reports the newest candidate as broken (why: `e`) and drops it.
  void skip_newest(const training::CorruptCheckpoint& e);
  // Throws when every checkpoint there was has failed.
  void require_one_left() const;
};

// A checkpoint is skipped as broken only when its files are bad
// (training::CorruptCheckpoint). Any other error while reading one (out of
// memory, permission, I/O) stops the run and leaves the checkpoint alone.

// The tokenizer a run encodes with: a resumed run's newest checkpoint's that
// loads (checkpoints whose tokenizer does not are skipped as broken); a run
// fine-tuning from model.init_from that checkpoint's, when it has one; else
// the config's (null).
std::unique_ptr<data::Tokenizer> starting_tokenizer(const RunConfig& config, ResumeCandidates& resume);

// Loads the newest candidate that loads cleanly (its tokenizer is the run's,
// and its weights and optimizer state load); a broken one is reported and the
// next older one tried. A config that describes another model stops at once.
// A fresh run (no candidates) gets the initial state.
training::TrainingState restore_newest(ResumeCandidates& resume, models::GPT& model, training::ShardedAdamW& optimizer,
                             const RunConfig& config, const data::Tokenizer& tokenizer);

// Records the training sources' sizes in the state, and says so (`warn`)
// when a resumed run's differ from those its checkpoint was saved with: the
// data changed, so the loader's position now points into other batches than
// an uninterrupted run would have seen.
void record_source_sizes(training::TrainingState& state, const RunData& data, bool warn);

// Moves the checkpoints newer than the one the run resumed from, which failed
// to load, out of the way, each with its reason in REASON.txt: left in place,
// the first checkpoint this run writes would not be the newest, so keep_last
// would delete it, and the next resume would try them again.
void set_aside_broken(const std::vector<BrokenCheckpoint>& broken);

// The run directory's config and tokenizer, which `anvil train RUN/config.yaml`
// continues the run with. Written only once the run has resumed: a run that
// fails to (a changed model section, say) must leave them as they were.
void write_run_files(const std::filesystem::path& run_dir, const std::string& config_yaml,
                     const data::Tokenizer& tokenizer);

}  // namespace anvil::recipes
