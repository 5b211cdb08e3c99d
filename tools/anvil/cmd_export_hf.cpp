#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "data/hf_tokenizer.h"
#include "data/sentencepiece_tokenizer.h"
#include "models/hf_config.h"
#include "models/hf_format.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "tools/anvil/output_dir.h"
#include "training/checkpoint.h"
#include "recipes/config_loader.h"
#include "recipes/runtime.h"

namespace anvil::cli {
namespace fs = std::filesystem;
namespace {

// A run directory has a config.yaml too; point at the checkpoint its user most likely meant.
void check_checkpoint_dir(const fs::path& dir) {
  if (fs::is_regular_file(dir / "model.safetensors")) return;
  const std::string newest = training::latest_checkpoint(dir.string());
  if (!newest.empty())
    throw std::runtime_error("'" + dir.string() + "' is a run directory; export-hf wants a checkpoint directory, " +
                             "such as its newest: '" + newest + "'");
  throw std::runtime_error("'" + dir.string() + "' is not a checkpoint directory: it has no model.safetensors");
}

c10::ScalarType dtype_named(const std::string& name) {
  if (name == "fp32") return c10::ScalarType::Float;
  if (name == "bf16") return c10::ScalarType::BFloat16;
  if (name == "fp16") return c10::ScalarType::Half;
  throw std::runtime_error("--dtype: expected fp32, bf16 or fp16, got '" + name + "'");
}

// "5GB", "500MB", "64KB" (powers of 1000, as transformers reads them) or bytes.
int64_t size_named(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  const std::string unit = text.substr(used);
  const double scale = unit == "" || unit == "B" ? 1 : unit == "KB" ? 1e3 : unit == "MB" ? 1e6 : unit == "GB" ? 1e9 : 0;
  if (scale == 0 || !(value * scale >= 1) || !(value * scale <= 1e18))
    throw std::runtime_error("--max-shard-size: expected a size from 1 byte to 1e18, such as 5GB, 500MB or a byte count, "
                             "got '" + text + "'");
  return static_cast<int64_t>(value * scale);
}

struct ExportArgs {
  std::string from, out;
  models::HfExportOptions options;
};

ExportArgs parse(const Args& args) {
  ExportArgs e;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--dtype" && args[i] != "--max-shard-size") {
      positional.push_back(args[i]);
      continue;
    }
    if (i + 1 == args.size()) throw std::runtime_error(args[i] + ": expected a value after it");
    if (args[i] == "--dtype") e.options.dtype = dtype_named(args[i + 1]);
    else e.options.max_shard_bytes = size_named(args[i + 1]);
    ++i;
  }
  if (positional.size() != 2) throw std::runtime_error("expected CHECKPOINT OUT_DIR (see anvil export-hf --help)");
  e.from = positional[0];
  e.out = positional[1];
  return e;
}

// What transformers' generate() reads beside the model: its special tokens.
std::string generation_config(const data::Tokenizer* tokenizer) {
  nlohmann::json c = {{"_from_model_config", true}};
  const auto* hf = tokenizer ? tokenizer->hf() : nullptr;
  if (hf) {
    const auto& s = hf->tokenizer().special_tokens();
    if (s.bos_id >= 0) c["bos_token_id"] = s.bos_id;
    if (s.end_ids.size() == 1) c["eos_token_id"] = s.end_ids[0];
    if (s.end_ids.size() > 1) c["eos_token_id"] = s.end_ids;
    if (s.pad_id >= 0) c["pad_token_id"] = s.pad_id;
  }
  return c.dump(2) + "\n";
}

bool has_tokenizer_files(const fs::path& dir) {
  for (const char* file : {"tokenizer.json", "vocab.json", "tokenizer.model"})
    if (fs::exists(dir / file)) return true;
  return false;
}

}  // namespace

int export_hf_command(const Args& args) {
  if (wants_help(args)) {
    std::printf(
        "usage: anvil export-hf CHECKPOINT OUT_DIR [--dtype fp32|bf16|fp16] [--max-shard-size 5GB]\n\n"
        "Writes OUT_DIR/config.json and the weights in the Hugging Face layout of the model's family\n"
        "(model.family: gpt2, llama, mistral, qwen2, qwen3, gemma2, gemma3, phi3; unset, the first\n"
        "whose features the model has) from a checkpoint directory, import-hf output or a Hugging Face\n"
        "model directory, with its Hugging Face tokenizer's files, chat template and generation_config.json.\n"
        "Weights above --max-shard-size go to model-0000i-of-0000n.safetensors with an index.\n"
        "OUT_DIR must not exist yet or be empty.\n");
    return 0;
  }
  const auto e = parse(args);
  const fs::path from = e.from;
  if (models::is_hf_model_dir(e.from)) {  // another dtype or sharding of a Hugging Face model
    StagedOutputDir out(e.out);
    const auto model = models::import_hf(e.from);
    auto options = e.options;
    options.family = model.family;
    std::unique_ptr<data::Tokenizer> tokenizer;
    if (has_tokenizer_files(from)) {
      tokenizer = std::make_unique<data::HfTokenizer>(tokenizers::HfTokenizer::load(e.from));
      tokenizer->save(out.path().string());
    }
    // After the tokenizer, whose files include the config.json it was read with.
    models::export_hf(model.config, model.state, out.path().string(), options);
    if (!fs::exists(out.path() / "generation_config.json"))
      common::publish_file(out.path() / "generation_config.json", generation_config(tokenizer.get()));
    out.commit();
    std::printf("exported %s -> %s\n", e.from.c_str(), e.out.c_str());
    return 0;
  }
  if (training::is_incomplete_checkpoint(e.from))
    throw std::runtime_error("'" + e.from +
                             "' is a checkpoint without its COMPLETE marker, which may be half written: "
                             "export a complete one");
  check_checkpoint_dir(from);
  StagedOutputDir out(e.out);
  const auto config = recipes::load_config((from / "config.yaml").string()).config;
  auto options = e.options;
  if (!config.model.family.empty()) options.family = models::family_named(config.model.family);
  // A Hugging Face tokenizer goes back as the files it came from, beside the
  // weights, so AutoTokenizer.from_pretrained(OUT_DIR) loads it as it was.
  // First: its files include the config.json it was read with, which the
  // model's own replaces.
  // A sentencepiece model goes as tokenizer.model with the settings that
  // make transformers encode as anvil does; a char tokenizer has no
  // transformers counterpart and stays behind.
  const bool hf_tokenizer = config.tokenizer.type == "hf";
  const bool sentencepiece = config.tokenizer.type == "sentencepiece";
  std::unique_ptr<data::Tokenizer> tokenizer;
  if (hf_tokenizer) {
    tokenizer = training::load_checkpoint_tokenizer(from.string(), "hf");
    tokenizer->save(out.path().string());
  } else if (sentencepiece) {
    tokenizer = training::load_checkpoint_tokenizer(from.string(), "sentencepiece");
    dynamic_cast<const data::SentencePieceTokenizer&>(*tokenizer).save_for_transformers(out.path().string());
  }
  // export_hf reads the vocabulary off the token embedding, padding rows included.
  training::verify_checksum(from.string(), "model.safetensors");
  models::export_hf(recipes::gpt_config(config.model, /*vocab_size=*/0),
                    models::load_safetensors((from / "model.safetensors").string()), out.path().string(), options);
  if (!fs::exists(out.path() / "generation_config.json"))
    common::publish_file(out.path() / "generation_config.json", generation_config(tokenizer.get()));
  out.commit();
  std::printf("exported %s -> %s%s\n", e.from.c_str(), e.out.c_str(),
              hf_tokenizer || sentencepiece ? " (with its tokenizer)" : "");
  return 0;
}

}  // namespace anvil::cli
