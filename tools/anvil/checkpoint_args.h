#pragma once
// Commands that read a trained checkpoint (eval, generate) share its loading:
// CONFIG [checkpoint=PATH] [key=value ...] -> the model and its tokenizer.
// CONFIG may be a model directory: an anvil checkpoint, or a Hugging Face
// model, which is then the model itself.
#include <memory>
#include <string>

#include "data/tokenizer.h"
#include "models/gpt.h"
#include "tools/anvil/commands.h"
#include "recipes/config_loader.h"

namespace anvil::cli {

struct LoadedCheckpoint {
  recipes::RunConfig config;
  std::string path;
  std::unique_ptr<data::Tokenizer> tokenizer;
  models::GPT model{nullptr};
};

// args: CONFIG, then any mix of checkpoint=PATH and key.path=value overrides,
// validated for `use` (kNoData: a command that reads no data, so the config's
// data files need not exist). Without checkpoint=PATH, the newest complete
// checkpoint in run.dir is used.
// With `inference` the model only runs: its weights are not drawn before
// they are loaded, and under run.precision bf16 they are held in bf16.
LoadedCheckpoint load_checkpoint_args(const Args& args, recipes::ConfigUse use = recipes::ConfigUse::kTrain,
                                      bool inference = false);

}  // namespace anvil::cli
