#pragma once
// The model a command builds from its config against the one a checkpoint was
// trained as (its saved config.yaml). A different n_head, norm or LoRA alpha
// keeps every tensor's shape, so without this check the weights would load
// into the wrong model and every number after it would be silently wrong.
#include <stdexcept>
#include <string>

#include "recipes/run_config.h"

namespace anvil::recipes {

// A checkpoint that does not fit the config; every older checkpoint of the
// same run would disagree the same way, so a resume stops instead of trying them.
struct CheckpointConfigMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class CheckpointUse {
  kSameModel,  // resume, merge-lora: the checkpoint is this model
  kInference,  // eval, generate, serve: this model, which without learned positions
               // may run with another block size (a longer window, say)
  kStartFrom,  // model.init_from: a fine-tune starts from it, may change its block
               // size, and adds its own LoRA adapters
};

// Throws CheckpointConfigMismatch naming each model and lora key whose value
// in `config` differs from the one in `checkpoint_dir`/config.yaml, with both
// values. Values are compared as the model uses them (n_kv_head 0 is n_head,
// ffn_hidden 0 its default width, rope_theta matters with rope alone, LoRA
// settings with a rank alone, targets in any order). Keys that may change
// after training are not compared: dropout, activation checkpointing,
// model.init_from and model.preset (its keys are).
void check_checkpoint_config(const RunConfig& config, const std::string& checkpoint_dir,
                             CheckpointUse use = CheckpointUse::kSameModel);

}  // namespace anvil::recipes
