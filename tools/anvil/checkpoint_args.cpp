#include "tools/anvil/checkpoint_args.h"

#include <stdexcept>

#include "tools/anvil/config_args.h"
#include "training/checkpoint.h"
#include "recipes/model_builder.h"
#include "recipes/runtime.h"
#include "recipes/tasks/task.h"

namespace anvil::cli {

LoadedCheckpoint load_checkpoint_args(const Args& args, recipes::ConfigUse use) {
  LoadedCheckpoint out;
  Args config_args;
  for (const auto& a : args) {
    if (a.rfind("checkpoint=", 0) == 0)
      out.path = a.substr(11);
    else
      config_args.push_back(a);
  }
  out.config = load_config_args(config_args, use).config;
  if (out.path.empty()) out.path = training::latest_checkpoint(out.config.run.dir);
  if (out.path.empty())
    throw std::runtime_error("no complete checkpoint in '" + out.config.run.dir +
                             "/checkpoints'; name one with checkpoint=PATH");
  if (!training::is_complete_checkpoint(out.path))
    throw std::runtime_error("'" + out.path + "' is not a complete checkpoint directory");

  recipes::configure_threads(out.config.run.threads);
  const auto& task = recipes::task_of(out.config);
  task.adopt_checkpoint_settings(out.config, out.path);
  out.tokenizer = training::load_checkpoint_tokenizer(out.path, out.config.tokenizer.type);
  const auto classes = task.num_classes(out.config.classify.labels);
  out.model = recipes::build_model(out.config, out.tokenizer->vocab_size(), classes,
                                   recipes::select_device(recipes::resolve(out.config).device), /*restoring=*/true);
  recipes::load_checkpoint_weights(out.path, out.model, out.config);
  return out;
}

}  // namespace anvil::cli
