#pragma once
// Commands that read a trained checkpoint (eval, generate) share its loading:
// CONFIG [checkpoint=PATH] [key=value ...] -> the model and its tokenizer.
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
LoadedCheckpoint load_checkpoint_args(const Args& args, recipes::ConfigUse use = recipes::ConfigUse::kTrain);

}  // namespace anvil::cli
