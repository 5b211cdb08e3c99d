// validate_config: the checks that involve more than one key or the file system.
#include <filesystem>
#include <set>

#include "training/checkpoint.h"
#include "models/hf_config.h"
#include "benchmarks/docs.h"
#include "benchmarks/prompts.h"
#include "recipes/benchmark_tasks.h"
#include "recipes/config_loader.h"
#include "recipes/config_table.h"
#include "recipes/resolved_config.h"

namespace anvil::recipes {
using namespace training;
namespace {

// Where the user set the first of `keys` that they set; the file itself when
// all of them kept their defaults.
std::string origin_of(const LoadedConfig& loaded, const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    const auto it = loaded.origin.find(key);
    if (it != loaded.origin.end()) return it->second;
  }
  return loaded.source;
}

void require(bool ok, const LoadedConfig& loaded, const std::vector<std::string>& keys, const std::string& message) {
  if (!ok) throw ConfigError(origin_of(loaded, keys) + ": " + message);
}

// check_relations, its error placed where the user set the first key involved.
void validate_relations(const LoadedConfig& loaded) {
  try {
    check_relations(loaded.config);
  } catch (const RelationError& e) {
    throw ConfigError(origin_of(loaded, e.keys) + ": " + e.what());
  }
}

// Whether two paths name one existing file: an output must never be an input.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  return !a.empty() && !b.empty() && std::filesystem::equivalent(a, b, error);
}

// What anvil tokenizer train needs that a config check can see: sentencepiece
// refuses these with a message about its own internals.
void validate_tokenizer_training(const LoadedConfig& loaded) {
  const auto& t = loaded.config.tokenizer;
  require(t.max_sentences == 0 || t.max_sentences > 100, loaded, {"tokenizer.max_sentences"},
          "tokenizer.max_sentences must be 0 (every line) or more than 100");
  std::set<std::string> seen = {"<unk>", "<s>", "</s>"};  // the model's own control pieces
  for (const auto& token : t.special_tokens)
    require(seen.insert(token).second, loaded, {"tokenizer.special_tokens"},
            "tokenizer.special_tokens: '" + token + "' is listed twice or is one of the model's own <unk>, <s>, </s>");
  for (const auto& source : loaded.config.data.sources)
    require(!same_file(t.path, source.path), loaded, {"tokenizer.path"},
            "tokenizer.path '" + t.path + "' is one of data.sources: training would overwrite it");
}

// The keys of fine-tuning templates that must appear, or the examples lose their text.
void validate_templates(const LoadedConfig& loaded, data::SftFormat format) {
  const auto& s = loaded.config.sft;
  auto has = [](const std::string& text, const char* slot) { return text.find(slot) != std::string::npos; };
  if (format == data::SftFormat::kAlpaca) {
    require(has(s.prompt_template, "{instruction}") && has(s.prompt_template, "{input}"), loaded,
            {"sft.prompt_template"}, "sft.prompt_template must hold {instruction} and {input}");
    require(has(s.prompt_template_no_input, "{instruction}"), loaded, {"sft.prompt_template_no_input"},
            "sft.prompt_template_no_input must hold {instruction}");
  }
  if (format == data::SftFormat::kMessages)
    require(has(s.role_template, "{role}"), loaded, {"sft.role_template"}, "sft.role_template must hold {role}");
  if (format == data::SftFormat::kChat)
    require(resolve(loaded.config).tokenizer == TokenizerKind::kHf, loaded, {"sft.format", "tokenizer.type"},
            "sft.format chat renders with a Hugging Face tokenizer's chat template: set tokenizer.type hf and "
            "tokenizer.path, or model.init_from to an imported model");
}

void validate_data(const LoadedConfig& loaded, ConfigUse use) {
  const RunConfig& c = loaded.config;
  const ResolvedConfig r = resolve(c);
  if (use == ConfigUse::kTokenizerTrain) validate_tokenizer_training(loaded);
  if (use != ConfigUse::kTrain) {
    require(!c.data.sources.empty(), loaded, {"data.sources", "data"},
            "data.sources is required: the corpora to read (a list of {path: FILE_OR_GLOB, ...})");
    require(use != ConfigUse::kPrepare || !c.data.shards.empty(), loaded, {"data.shards", "data"},
            "data.shards is required: the directory anvil prepare writes the token shards to");
    require(use == ConfigUse::kPrepare || r.tokenizer == TokenizerKind::kSentencePiece, loaded,
            {"tokenizer.type", "tokenizer"},
            "tokenizer.type must be sentencepiece: anvil tokenizer train trains a sentencepiece model");
    require(!c.tokenizer.path.empty(), loaded, {"tokenizer.path", "tokenizer"},
            "tokenizer.path is required: the tokenizer file (a sentencepiece .model, or a char vocabulary)");
    return;
  }
  require(c.data.train.empty() != c.data.shards.empty(), loaded, {"data.train", "data.shards", "data"},
          c.data.train.empty() ? "data.train (a text file) or data.shards (from anvil prepare) is required"
                               : "set data.train or data.shards, not both");
  require(c.data.shards.empty() || !c.tokenizer.path.empty(), loaded, {"tokenizer.path", "data.shards"},
          "data.shards needs tokenizer.path: the tokenizer the shards were prepared with");
  require(r.task == TaskKind::kLm || c.data.shards.empty(), loaded, {"task.type", "data.shards"},
          "task.type " + c.task.type + " reads labeled examples from data.train, not token shards");
  require(r.task == TaskKind::kLm || !c.tokenizer.path.empty() || !c.model.init_from.empty(), loaded,
          {"tokenizer.path", "model.init_from", "task.type"},
          "task.type " + c.task.type + " needs a tokenizer: tokenizer.path, or model.init_from holding one");
  require(c.lora.rank == 0 || !c.model.init_from.empty(), loaded, {"lora.rank", "model.init_from"},
          "lora.rank > 0 adapts a pretrained model: set model.init_from (its weights stay frozen)");
  const auto& labels = c.classify.labels;
  require(std::set<std::string>(labels.begin(), labels.end()).size() == labels.size(), loaded, {"classify.labels"},
          "classify.labels lists a label twice: each names one class");
  require(labels.size() != 1, loaded, {"classify.labels"},
          "classify.labels lists one label: classification needs at least two");
  require(r.keep_best != KeepBest::kValAccuracy || r.task == TaskKind::kClassify, loaded, {"checkpoint.keep_best"},
          "checkpoint.keep_best: val_accuracy needs task.type classify");
  require(r.data.packing == data::Packing::kConcat || !c.data.shards.empty(), loaded, {"data.packing"},
          "data.packing: document_masked needs document boundaries: prepare data.sources into data.shards");
  require(c.data.stride <= c.model.block_size, loaded, {"data.stride"},
          "data.stride exceeds model.block_size: tokens between windows would never be trained on");
  require(!c.run.dir.empty(), loaded, {"run.dir"}, "run.dir is empty: name the run's directory");
  require(c.lora.rank == 0 || !c.lora.targets.empty(), loaded, {"lora.targets", "lora.rank"},
          "lora.rank > 0 needs lora.targets: the layers that get adapters");
  require(r.task == TaskKind::kLm || (c.eval.stride == 0 && c.eval.max_length == 0), loaded,
          {"eval.stride", "eval.max_length"}, "eval.stride and eval.max_length slide over text: task.type lm only");
  require(c.eval.tasks.empty() || r.task != TaskKind::kClassify, loaded, {"eval.tasks", "task.type"},
          "eval.tasks scores a language model's log-likelihoods: task.type classify has no LM head");
  require(c.eval.sample_prompts.empty() || r.task != TaskKind::kClassify, loaded, {"eval.sample_prompts", "task.type"},
          "eval.sample_prompts are continued by a language model: task.type classify has no LM head");
  require(c.eval.tasks.empty() || resolve(c).tokenizer != TokenizerKind::kChar, loaded, {"eval.tasks", "tokenizer.type"},
          "eval.tasks needs a subword tokenizer: a character vocabulary built from the training text cannot encode "
          "the benchmarks' documents");
  for (const auto& task : c.eval.tasks) {
    try {
      load_benchmark(task);
    } catch (const std::exception& e) {
      require(false, loaded, {"eval.tasks"}, e.what());
    }
  }
  if (r.task == TaskKind::kSft) validate_templates(loaded, r.sft_format);
  for (const std::string* input : {&c.data.train, &c.data.val, &c.tokenizer.path})
    require(!same_file(c.eval.predictions, *input), loaded, {"eval.predictions"},
            "eval.predictions '" + c.eval.predictions + "' is one of the run's inputs: writing it would destroy it");
}

// That the files the config reads exist and are what they should be.
void validate_files(const LoadedConfig& loaded, ConfigUse use) {
  const RunConfig& c = loaded.config;
  // A run that resumes holds every weight in its own checkpoints; only LoRA
  // still reads its frozen base, so a fine-tune outlives a pruned base.
  const bool reads_init_from =
      !c.model.init_from.empty() && (c.lora.rank > 0 || complete_checkpoints(c.run.dir).empty());
  RunConfig copy = c;
  for (const auto& field : config_fields()) {
    if (!field.is_path || field.is_output || (field.key == "model.init_from" && !reads_init_from)) continue;
    const std::string& value = *std::get<std::string*>(field.ref(copy));
    require(value.empty() || std::filesystem::exists(value), loaded, {field.key},
            field.key + ": '" + value + "' does not exist");
  }
  const std::string& from = c.model.init_from;
  const bool has_weights = std::filesystem::is_regular_file(from + "/model.safetensors") ||
                           (models::is_hf_model_dir(from) && std::filesystem::is_regular_file(from + "/model.safetensors.index.json"));
  require(!reads_init_from || has_weights, loaded, {"model.init_from"},
          "model.init_from: '" + from + "' holds no model.safetensors (nor a Hugging Face model's shard index)");
  require(!reads_init_from || !is_incomplete_checkpoint(c.model.init_from), loaded, {"model.init_from"},
          "model.init_from: '" + c.model.init_from +
              "' is a checkpoint without its COMPLETE marker, which may be half written: name a complete one");
  const TokenizerKind tokenizer = resolve(c).tokenizer;
  require(tokenizer != TokenizerKind::kSentencePiece || !c.tokenizer.path.empty(), loaded,
          {"tokenizer.type", "tokenizer.path"},
          "tokenizer.type is sentencepiece but tokenizer.path names no .model file");
  require(tokenizer == TokenizerKind::kHf || !std::filesystem::is_directory(c.tokenizer.path), loaded,
          {"tokenizer.path"},
          "tokenizer.path: '" + c.tokenizer.path +
              "' is a directory: name the tokenizer file (or tokenizer.type hf for a Hugging Face model directory)");
  require(tokenizer != TokenizerKind::kHf || !c.tokenizer.path.empty(), loaded,
          {"tokenizer.type", "tokenizer.path"},
          "tokenizer.type is hf but tokenizer.path names no model directory or tokenizer file");
  require(c.tokenizer.chat_template.empty() || tokenizer == TokenizerKind::kHf, loaded,
          {"tokenizer.chat_template", "tokenizer.type"},
          "tokenizer.chat_template is for Hugging Face tokenizers (tokenizer.type: hf)");
  // A benchmark's files are read at the first validation: a missing one, or
  // a template that fails on them, should stop the run before it trains.
  for (const auto& task : c.eval.tasks) {
    auto spec = load_benchmark(task);
    if (c.eval.num_fewshot >= 0) spec.num_fewshot = c.eval.num_fewshot;
    const bool shots = spec.num_fewshot > 0;
    for (const auto* file : {&spec.docs.path, &spec.docs.labels_path, shots ? &spec.fewshot.path : nullptr})
      require(!file || file->empty() || std::filesystem::is_regular_file(*file), loaded, {"eval.tasks"},
              "eval.tasks: " + spec.name + " reads '" + (file ? *file : "") + "', which does not exist");
    try {
      const auto docs = benchmarks::read_docs(spec.docs);
      benchmarks::PromptBuilder prompts(spec, shots ? benchmarks::read_docs(spec.fewshot) : std::vector<benchmarks::Doc>{},
                                        spec.fewshot_excludes_doc);
      prompts.build(prompts.processed(docs.front()));
    } catch (const std::exception& e) {
      require(false, loaded, {"eval.tasks"}, "eval.tasks: " + spec.name + ", its first document: " + e.what());
    }
  }
  require(use == ConfigUse::kTokenizerTrain || c.tokenizer.path.empty() || std::filesystem::exists(c.tokenizer.path),
          loaded, {"tokenizer.path"},
          "tokenizer.path: '" + c.tokenizer.path + "' does not exist" +
              (tokenizer == TokenizerKind::kSentencePiece ? " (anvil tokenizer train CONFIG writes it)" : ""));
}

}  // namespace

void validate_config(const LoadedConfig& loaded, ConfigUse use) {
  if (use != ConfigUse::kNoData) {
    validate_data(loaded, use);
    validate_files(loaded, use);
  }
  validate_relations(loaded);
}

}  // namespace anvil::recipes
