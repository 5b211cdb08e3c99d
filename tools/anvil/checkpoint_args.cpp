#include "tools/anvil/checkpoint_args.h"

#include <stdexcept>

#include "tools/anvil/config_args.h"
#include "trainer/checkpoint.h"
#include "trainer/runtime.h"

namespace anvil::cli {

LoadedCheckpoint load_checkpoint_args(const Args& args) {
  LoadedCheckpoint out;
  Args config_args;
  for (const auto& a : args) {
    if (a.rfind("checkpoint=", 0) == 0)
      out.path = a.substr(11);
    else
      config_args.push_back(a);
  }
  out.config = load_config_args(config_args).config;
  if (out.path.empty()) out.path = trainer::latest_checkpoint(out.config.run.dir);
  if (out.path.empty())
    throw std::runtime_error("no complete checkpoint in '" + out.config.run.dir +
                             "/checkpoints'; name one with checkpoint=PATH");
  if (!trainer::is_complete_checkpoint(out.path))
    throw std::runtime_error("'" + out.path + "' is not a complete checkpoint directory");

  trainer::configure_threads(out.config.run.threads);
  out.tokenizer = trainer::load_checkpoint_tokenizer(out.path, out.config.tokenizer.type);
  out.model = models::GPT(trainer::gpt_config(out.config.model, out.tokenizer->vocab_size()));
  out.model->to(trainer::select_device(out.config.run.device));
  trainer::load_model_weights(out.path, out.model);
  return out;
}

}  // namespace anvil::cli
