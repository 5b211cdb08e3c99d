#pragma once
// A checkpoint is a directory <run>/checkpoints/step_<N>/ holding the model
// (model.safetensors), the optimizer state (optimizer.pt), the training state, the resolved config and the
// tokenizer, plus a COMPLETE marker. It is written under a temporary name and
// renamed into place once everything is on disk, so a run killed mid-write
// never leaves a directory that looks complete but is not.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

#include "data/mixture_sampler.h"
#include "data/tokenizer.h"
#include "models/gpt.h"
#include "models/safetensors.h"

namespace anvil::training {

// A checkpoint whose own bytes are bad: a file missing or unparsable, tensors
// of the wrong shapes, a tokenizer that does not load. The readers below throw
// it for those alone, so that a resume sets such a checkpoint aside but stops,
// leaving the checkpoint where it is, at an error of the machine's (out of
// memory, permission, I/O), which says nothing about the checkpoint.
struct CorruptCheckpoint : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TrainingState {
  int64_t step = 0;  // optimizer steps completed
  int64_t tokens_seen = 0;
  data::MixtureCursor cursor;  // where the training batches continue
  // Blocks (or examples) per training source when the cursor was saved: a
  // resume onto other data carries the cursor over to other batches.
  std::vector<int64_t> source_sizes;
  std::optional<double> val_loss;  // measured at this step, if validation ran
  std::optional<double> val_accuracy;  // classification runs
  // Early stopping: the best validation score so far (higher is better) and
  // the validations since it, so a resumed run stops where the first would.
  std::optional<double> best_score;
  int64_t validations_since_best = 0;
};

struct CheckpointContents {
  const TrainingState& state;
  const models::TensorMap& weights;
  torch::optim::Optimizer& optimizer;
  const std::string& config_yaml;
  const data::Tokenizer& tokenizer;
};

// Returns the checkpoint's directory.
std::string save_checkpoint(const std::string& run_dir, const CheckpointContents& contents);

bool is_complete_checkpoint(const std::string& dir);

// Throws CorruptCheckpoint when `file` of the checkpoint no longer has the
// CRC-32 its trainer_state.json recorded (none recorded: nothing to check).
void verify_checksum(const std::string& checkpoint_dir, const std::string& file);
// Whether `dir` is a checkpoint that may be half written, and so must not be
// read: a .tmp-step_N directory, or one holding optimizer or training state
// but no COMPLETE marker. A model directory that import-hf or merge-lora wrote
// (weights and config only) is not a checkpoint and needs no marker.
bool is_incomplete_checkpoint(const std::string& dir);
// Complete checkpoints of a run, oldest first.
std::vector<std::string> complete_checkpoints(const std::string& run_dir);
// The complete checkpoint with the highest step, or "" when there is none.
std::string latest_checkpoint(const std::string& run_dir);
// Removes what a run killed mid-write left behind (.tmp-step_* directories).
void remove_partial_checkpoints(const std::string& run_dir);
// Deletes complete checkpoints older than `written`, the one just saved: all
// but the newest `keep_last`, `written` counted among them (0 keeps all), and
// with keep_best "val_loss" or "val_accuracy" the best one by it. `written`
// and anything newer are never deleted.
void prune_checkpoints(const std::string& run_dir, const std::string& written, int64_t keep_last,
                       const std::string& keep_best = "");
// Renames a checkpoint that failed to load to broken-step_N beside it (with a
// suffix if that is taken), where it is neither resumed from nor pruned, but
// kept for a person to inspect, with `reason` in its REASON.txt. Returns the
// new path.
std::string set_aside_checkpoint(const std::string& dir, const std::string& reason);

// The readers throw CorruptCheckpoint when the checkpoint's files are bad, and
// pass other errors through. A trainer_state.json of a newer format than this
// anvil reads is neither: an error naming the file.
// `optional`: tensors the checkpoint may lack (see models::load_module_state).
void load_model_weights(const std::string& checkpoint_dir, models::GPT& model,
                        const std::function<bool(const std::string&)>& optional = {});
TrainingState load_training_state(const std::string& checkpoint_dir, torch::optim::Optimizer& optimizer);
// The tokenizer saved with the checkpoint, of the type named in its config.
std::unique_ptr<data::Tokenizer> load_checkpoint_tokenizer(const std::string& checkpoint_dir,
                                                           const std::string& type);

}  // namespace anvil::training
