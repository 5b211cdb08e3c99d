#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "tools/anvil/output_dir.h"
#include "models/hf_format.h"
#include "training/checkpoint.h"
#include "recipes/config_loader.h"
#include "recipes/runtime.h"

namespace anvil::cli {
namespace {

// A run directory has a config.yaml too; point at the checkpoint its user most likely meant.
void check_checkpoint_dir(const std::filesystem::path& dir) {
  if (std::filesystem::is_regular_file(dir / "model.safetensors")) return;
  const std::string newest = training::latest_checkpoint(dir.string());
  if (!newest.empty())
    throw std::runtime_error("'" + dir.string() + "' is a run directory; export-hf wants a checkpoint directory, " +
                             "such as its newest: '" + newest + "'");
  throw std::runtime_error("'" + dir.string() + "' is not a checkpoint directory: it has no model.safetensors");
}

}  // namespace

int export_hf_command(const Args& args) {
  if (args.size() != 2 || wants_help(args)) {
    std::printf(
        "usage: anvil export-hf CHECKPOINT OUT_DIR\n\n"
        "Writes OUT_DIR/config.json and OUT_DIR/model.safetensors in the Hugging Face layout\n"
        "(GPT2LMHeadModel or LlamaForCausalLM) from a checkpoint directory (or import-hf output),\n"
        "with its Hugging Face tokenizer's files, chat template and generation_config.json.\n"
        "OUT_DIR must not exist yet or be empty.\n");
    return wants_help(args) ? 0 : 2;
  }
  if (training::is_incomplete_checkpoint(args[0]))
    throw std::runtime_error("'" + args[0] +
                             "' is a checkpoint without its COMPLETE marker, which may be half written: "
                             "export a complete one");
  const std::filesystem::path checkpoint = args[0];
  check_checkpoint_dir(checkpoint);
  StagedOutputDir out(args[1]);
  const auto config = recipes::load_config((checkpoint / "config.yaml").string()).config;
  // export_hf reads the vocabulary off the token embedding, padding rows included.
  models::export_hf(recipes::gpt_config(config.model, /*vocab_size=*/0),
                    models::load_safetensors((checkpoint / "model.safetensors").string()), out.path().string());
  // A Hugging Face tokenizer goes back as the files it came from, beside the
  // weights, so AutoTokenizer.from_pretrained(OUT_DIR) loads it as it was.
  const bool hf_tokenizer = config.tokenizer.type == "hf";
  if (hf_tokenizer) training::load_checkpoint_tokenizer(checkpoint.string(), "hf")->save(out.path().string());
  out.commit();
  std::printf("exported %s -> %s%s\n", args[0].c_str(), args[1].c_str(), hf_tokenizer ? " (with its tokenizer)" : "");
  return 0;
}

}  // namespace anvil::cli
