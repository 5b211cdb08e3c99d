#include "tools/anvil/checkpoint_args.h"

#include <filesystem>
#include <stdexcept>

#include "models/hf_config.h"
#include "tools/anvil/config_args.h"
#include "training/checkpoint.h"
#include "recipes/model_builder.h"
#include "recipes/run_data.h"
#include "recipes/runtime.h"
#include "recipes/tasks/task.h"

namespace anvil::cli {

namespace {

// A Hugging Face model directory is the model: its weights through
// model.init_from, its tokenizer from the directory.
void load_hf_model(LoadedCheckpoint& out) {
  out.tokenizer = recipes::load_config_tokenizer(out.config);
  out.model = recipes::build_model(out.config, out.tokenizer->vocab_size(), /*num_classes=*/0,
                                   recipes::select_device(recipes::resolve(out.config).device));
}

}  // namespace

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
  const bool model_dir = !config_args.empty() && std::filesystem::is_directory(config_args[0]);
  recipes::configure_threads(out.config.run.threads);
  if (model_dir && out.path.empty() && models::is_hf_model_dir(config_args[0])) {
    out.path = config_args[0];
    load_hf_model(out);
    return out;
  }
  if (model_dir && out.path.empty()) out.path = config_args[0];  // a checkpoint named in CONFIG's place
  if (out.path.empty()) out.path = training::latest_checkpoint(out.config.run.dir);
  if (out.path.empty())
    throw std::runtime_error("no complete checkpoint in '" + out.config.run.dir +
                             "/checkpoints'; name one with checkpoint=PATH");
  if (!training::is_complete_checkpoint(out.path))
    throw std::runtime_error("'" + out.path + "' is not a complete checkpoint directory");

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
