#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "tools/anvil/output_dir.h"
#include "models/hf_format.h"
#include "recipes/config_loader.h"
#include "recipes/model_section.h"

namespace anvil::cli {

int import_hf_command(const Args& args) {
  if (args.size() != 2 || wants_help(args)) {
    std::printf(
        "usage: anvil import-hf HF_DIR OUT_DIR\n\n"
        "Converts a Hugging Face GPT2LMHeadModel or LlamaForCausalLM (config.json + safetensors)\n"
        "into OUT_DIR/model.safetensors with anvil's names, and OUT_DIR/config.yaml whose model\n"
        "section describes it. Train from it with model.init_from=OUT_DIR and that model section.\n"
        "OUT_DIR must not exist yet or be empty.\n");
    return wants_help(args) ? 0 : 2;
  }
  StagedOutputDir out(args[1]);
  const auto imported = models::import_hf(args[0]);
  recipes::RunConfig config;
  config.model = recipes::model_section(imported.config);
  common::publish_file(out.path() / "config.yaml", recipes::to_yaml(config));
  models::save_safetensors((out.path() / "model.safetensors").string(), imported.state);
  out.commit();
  std::printf("imported %s model: %lld layers, %lld heads, %lld wide, vocab %lld -> %s\n",
              imported.model_type.c_str(), (long long)imported.config.n_layer, (long long)imported.config.n_head,
              (long long)imported.config.n_embd, (long long)imported.config.vocab_size,
              args[1].c_str());
  return 0;
}

}  // namespace anvil::cli
