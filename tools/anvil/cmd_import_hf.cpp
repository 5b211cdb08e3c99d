#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "tools/anvil/output_dir.h"
#include "data/hf_tokenizer.h"
#include "models/hf_format.h"
#include "recipes/config_loader.h"
#include "recipes/model_section.h"

namespace anvil::cli {
namespace {

// The model directory's tokenizer, or null when it ships none (weights only).
std::unique_ptr<data::HfTokenizer> import_tokenizer(const std::filesystem::path& dir) {
  for (const char* file : {"tokenizer.json", "vocab.json", "tokenizer.model"})
    if (std::filesystem::exists(dir / file))
      return std::make_unique<data::HfTokenizer>(tokenizers::HfTokenizer::load(dir.string()));
  return nullptr;
}

}  // namespace

int import_hf_command(const Args& args) {
  if (args.size() != 2 || wants_help(args)) {
    std::printf(
        "usage: anvil import-hf HF_DIR OUT_DIR\n\n"
        "Converts a Hugging Face causal LM (config.json + safetensors, sharded or not) of a family\n"
        "anvil implements (gpt2, llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3) into\n"
        "OUT_DIR/model.safetensors with anvil's names and the checkpoint's dtype, and OUT_DIR/config.yaml\n"
        "whose model section describes it. Train from it with model.init_from=OUT_DIR and that model\n"
        "section (model.init_from also takes the Hugging Face directory itself).\n"
        "The model's tokenizer (tokenizer.json, vocab.json + merges.txt or tokenizer.model, with\n"
        "tokenizer_config.json, its chat template and generation_config.json) goes to OUT_DIR/tokenizer/,\n"
        "which a run with model.init_from=OUT_DIR uses when its config names no tokenizer.\n"
        "OUT_DIR must not exist yet or be empty.\n");
    return wants_help(args) ? 0 : 2;
  }
  StagedOutputDir out(args[1]);
  const auto imported = models::import_hf(args[0]);
  recipes::RunConfig config;
  config.model = recipes::model_section(imported.config);
  config.model.family = models::family_name(imported.family);
  const auto tokenizer = import_tokenizer(args[0]);
  if (tokenizer) {
    // Fewer tokens than embedding rows is usual (rows padded for speed); more
    // would index past the embedding.
    if (tokenizer->vocab_size() > imported.config.vocab_size)
      throw std::runtime_error("'" + args[0] + "': the tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                               " tokens but the model's embedding only " +
                               std::to_string(imported.config.vocab_size) + " rows");
    tokenizer->save((out.path() / "tokenizer").string());
    config.tokenizer.type = "hf";
    config.tokenizer.path = std::filesystem::absolute(std::filesystem::path(args[1]) / "tokenizer").string();
  }
  common::publish_file(out.path() / "config.yaml", recipes::to_yaml(config));
  models::save_safetensors((out.path() / "model.safetensors").string(), imported.state);
  out.commit();
  std::printf("imported %s model: %lld layers, %lld heads, %lld wide, vocab %lld%s -> %s\n",
              models::family_name(imported.family).c_str(), (long long)imported.config.n_layer, (long long)imported.config.n_head,
              (long long)imported.config.n_embd, (long long)imported.config.vocab_size,
              tokenizer ? (", tokenizer of " + std::to_string(tokenizer->vocab_size()) + " tokens").c_str() : "",
              args[1].c_str());
  return 0;
}

}  // namespace anvil::cli
