#pragma once
// The one step from the parsed config to the options the code runs on. The
// table (config_table.cpp) vets each key alone; here every choice becomes an
// enum, every "0: ..." and "auto" is decided, and the relations between keys
// are checked. No code past this step compares a config value's string.
#include <cstdint>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "data/packing.h"
#include "data/preference_pairs.h"
#include "data/prepare_shards.h"
#include "data/sft_examples.h"
#include "models/gpt_config.h"
#include "recipes/config_loader.h"
#include "recipes/run_config.h"
#include "training/lr_schedule.h"
#include "training/nonfinite_options.h"
#include "training/precision.h"
#include "training/preference_options.h"

namespace anvil::recipes {

enum class TaskKind { kLm, kSft, kClassify, kDpo };
enum class DpoReference { kCopy, kAdaptersOff, kPrecomputed, kNone };  // kNone: the loss needs no reference
enum class DeviceChoice { kAuto, kCpu, kCuda };
enum class TokenizerKind { kChar, kSentencePiece, kHf };
enum class ResumeMode { kAuto, kNever };
enum class KeepBest { kNone, kValLoss, kValAccuracy };
enum class SftPacking { kPad, kPack };
enum class ClassWeights { kNone, kBalanced };

// One entry of data.sources, as anvil prepare and the tokenizer read it.
struct SourceOptions {
  data::CorpusSource corpus;  // the format resolved from the file name where it was auto
  double weight = 1.0;
};

struct DataOptions {
  int64_t stride = 0;  // tokens between training windows
  data::Packing packing = data::Packing::kConcat;
  bool replace_invalid_utf8 = false;
  bool truncate_overlong = false;  // sft, classify: cut an example to model.block_size instead of refusing it
  data::TokenDtype token_dtype = data::TokenDtype::kAuto;  // anvil prepare
  std::vector<SourceOptions> sources;
};

struct EvalOptions {
  int64_t every = 0;
  int64_t batches = 0;     // 0: the whole validation set
  int64_t batch_size = 0;  // sequences per validation batch
  int64_t stride = 0;      // anvil eval: > 0 slides a window of `window` tokens this many at a time
  int64_t window = 0;
};

struct ResolvedConfig {
  TaskKind task = TaskKind::kLm;
  DeviceChoice device = DeviceChoice::kAuto;
  ResumeMode resume = ResumeMode::kAuto;
  TokenizerKind tokenizer = TokenizerKind::kChar;
  // vocab_size and num_classes come from the data, fused_ops from resolve_fused_kernels.
  models::GPTConfig model;
  DataOptions data;
  training::ScheduleOptions schedule;
  EvalOptions eval;
  KeepBest keep_best = KeepBest::kNone;
  data::SftFormat sft_format = data::SftFormat::kAlpaca;
  SftPacking sft_packing = SftPacking::kPad;
  ClassWeights class_weights = ClassWeights::kNone;
  data::PairFormat pair_format = data::PairFormat::kPrompt;
  training::PreferenceOptions preference;
  DpoReference dpo_reference = DpoReference::kCopy;
  training::NonFiniteOptions nonfinite;
};

// Never throws for a config the table accepted.
ResolvedConfig resolve(const RunConfig& config);

// The model section as models:: sees it (no classification head, no fused ops).
models::GPTConfig gpt_config(const ModelSection& model, int64_t vocab_size);

// A relation between keys that does not hold. validate_config prefixes the
// place where the user set the first of `keys`.
struct RelationError : ConfigError {
  RelationError(std::vector<std::string> keys, const std::string& message)
      : ConfigError(message), keys(std::move(keys)) {}
  std::vector<std::string> keys;
};

// Throws RelationError for the first relation between keys that does not hold
// (n_embd and n_head, the eval window, the schedule, LoRA targets, ...).
void check_relations(const RunConfig& config);

// The decisions that depend on the machine.
// run.precision on `device`: auto is bf16 on CUDA and fp32 elsewhere (CPUs
// without bf16 units run autocast slower than fp32).
training::Precision resolve_precision(const RunConfig& config, c10::Device device);

// run.fused_kernels on `device`, where `kernels_built` says whether this
// build has them there. "on" without them is an error.
bool resolve_fused_kernels(const RunConfig& config, c10::Device device, bool kernels_built);

// run.cuda_graphs for a run on `device` with `world_size` ranks, where
// `graphs_built` says whether this LibTorch can record them. "on" where the
// step cannot be recorded is an error saying why; "auto" records language-model
// steps (whose packed batches keep one shape) where it can.
bool resolve_cuda_graphs(const RunConfig& config, c10::Device device, int world_size, bool graphs_built);

}  // namespace anvil::recipes
