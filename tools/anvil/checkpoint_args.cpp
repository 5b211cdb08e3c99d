#include "tools/anvil/checkpoint_args.h"

#include <filesystem>
#include <stdexcept>

#include "models/hf_config.h"
#include "tools/anvil/config_args.h"
#include "training/checkpoint.h"
#include "recipes/model_builder.h"
#include "recipes/run_data.h"
#include "recipes/resolved_config.h"
#include "recipes/runtime.h"
#include "training/precision.h"
#include "recipes/tasks/task.h"

namespace anvil::cli {

namespace {

// A model that is no checkpoint of a run (a Hugging Face directory, or
// import-hf's output) is the model: its weights through model.init_from,
// its tokenizer as its config names it.
void load_start_model(LoadedCheckpoint& out, recipes::ModelBuildOptions options) {
  const auto& t = out.config.tokenizer;
  if (t.type == "char" && t.path.empty())
    throw std::runtime_error("'" + out.path + "' ships no tokenizer (tokenizer.json, vocab.json or tokenizer.model): "
                             "name one with tokenizer.path=...");
  out.tokenizer = recipes::load_config_tokenizer(out.config);
  options.restoring = false;  // model.init_from is the model
  out.model = recipes::build_model(out.config, out.tokenizer->vocab_size(), /*num_classes=*/0,
                                   recipes::select_device(recipes::resolve(out.config).device), options);
}

recipes::ModelBuildOptions build_options(const recipes::RunConfig& config, bool inference) {
  recipes::ModelBuildOptions options;
  options.restoring = true;
  if (!inference) return options;
  options.random_init = false;
  const auto device = recipes::select_device(recipes::resolve(config).device);
  if (recipes::resolve_precision(config, device) == training::Precision::kBf16) options.dtype = c10::kBFloat16;
  return options;
}

}  // namespace

LoadedCheckpoint load_checkpoint_args(const Args& args, recipes::ConfigUse use, bool inference) {
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
  // import-hf and merge-lora write weights and a config.yaml, no checkpoint of a run.
  const bool import_output = model_dir && !training::is_complete_checkpoint(config_args[0]) &&
                             !training::is_incomplete_checkpoint(config_args[0]) &&
                             std::filesystem::is_regular_file(config_args[0] + "/model.safetensors");
  if (model_dir && out.path.empty() && (models::is_hf_model_dir(config_args[0]) || import_output)) {
    out.path = config_args[0];
    out.config.model.init_from = out.path;
    load_start_model(out, build_options(out.config, inference));
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
                                   recipes::select_device(recipes::resolve(out.config).device),
                                   build_options(out.config, inference));
  recipes::load_checkpoint_weights(out.path, out.model, out.config,
                                   inference ? recipes::CheckpointUse::kInference : recipes::CheckpointUse::kSameModel);
  return out;
}

}  // namespace anvil::cli
