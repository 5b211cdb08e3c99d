#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "models/lora.h"
#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "tools/anvil/output_dir.h"
#include "recipes/config_loader.h"

namespace anvil::cli {

int merge_lora_command(const Args& args) {
  if (args.size() < 2 || wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil merge-lora CONFIG OUT_DIR [checkpoint=PATH] [key.path=value ...]\n\n"
        "Folds a LoRA checkpoint's adapters into its base weights (model.init_from) and writes a plain\n"
        "model to OUT_DIR: model.safetensors, config.yaml (lora.rank 0) and the tokenizer. Use it with\n"
        "model.init_from=OUT_DIR, or export-hf it. OUT_DIR must not exist yet or be empty.");
    return wants_help(args) ? 0 : 2;
  }
  StagedOutputDir out(args[1]);
  Args rest{args[0]};
  rest.insert(rest.end(), args.begin() + 2, args.end());
  auto ckpt = load_checkpoint_args(rest, recipes::ConfigUse::kNoData);
  if (ckpt.config.lora.rank == 0) throw std::runtime_error("lora.rank is 0: the checkpoint has no adapters to merge");
  const models::LoraConfig lora{ckpt.config.lora.rank, ckpt.config.lora.alpha, 0.0, ckpt.config.lora.targets};
  const auto merged = models::merge_lora(models::module_state(*ckpt.model), lora.scale());
  models::save_safetensors((out.path() / "model.safetensors").string(), merged);
  auto config = ckpt.config;
  config.lora.rank = 0;
  config.model.init_from.clear();
  common::publish_file(out.path() / "config.yaml", recipes::to_yaml(config));
  ckpt.tokenizer->save((out.path() / data::tokenizer_file_name(ckpt.tokenizer->type())).string());
  out.commit();
  std::printf("merged %s into %s\n", ckpt.path.c_str(), args[1].c_str());
  return 0;
}

}  // namespace anvil::cli
