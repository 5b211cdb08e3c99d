#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "data/tokenizer.h"
#include "models/hf_config.h"
#include "models/kernels/cuda_kernels.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "training/memory_plan.h"
#include "training/precision.h"
#include "recipes/resolved_config.h"
#include "recipes/runtime.h"
#include "recipes/tasks/task.h"

namespace anvil::cli {
namespace {

struct PlanArgs {
  Args config_args;
  int64_t vocab = 0;
  int nproc = 1;
  double memory_gib = 0;
};

// A flag's value as a positive number, or an error naming the flag.
double positive(const std::string& flag, const std::string& value) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
  }
  if (used != value.size() || !(v > 0))
    throw std::runtime_error(flag + ": expected a positive number, got '" + value + "'");
  return v;
}

PlanArgs parse(const Args& args) {
  PlanArgs p;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool flag = args[i] == "--vocab" || args[i] == "--nproc" || args[i] == "--memory-gib";
    if (!flag) {
      p.config_args.push_back(args[i]);
      continue;
    }
    if (i + 1 == args.size()) throw std::runtime_error(args[i] + ": expected a value after it");
    const double v = positive(args[i], args[i + 1]);
    if (args[i] == "--memory-gib") p.memory_gib = v;
    else if (v != static_cast<int64_t>(v)) throw std::runtime_error(args[i] + ": expected a whole number, got '" + args[i + 1] + "'");
    else if (args[i] == "--vocab") p.vocab = static_cast<int64_t>(v);
    else if (v > 65536) throw std::runtime_error("--nproc: expected at most 65536 ranks, got '" + args[i + 1] + "'");
    else p.nproc = static_cast<int>(v);
    ++i;
  }
  return p;
}

// The vocabulary: --vocab, else the sentencepiece model's size.
int64_t vocab_size(const PlanArgs& p, const recipes::RunConfig& config, recipes::TokenizerKind kind) {
  if (p.vocab > 0) return p.vocab;
  const auto& from = config.model.init_from;  // a Hugging Face model's embedding rows, as build_model
  if (!from.empty() && models::is_hf_model_dir(from) && models::read_hf_architecture(from).config.vocab_size > 0)
    return models::read_hf_architecture(from).config.vocab_size;
  const auto& t = config.tokenizer;
  const bool char_tokenizer = kind == recipes::TokenizerKind::kChar;
  if (!char_tokenizer && std::filesystem::exists(t.path)) return data::load_tokenizer(t.type, t.path)->vocab_size();
  throw std::runtime_error(char_tokenizer ? "a char tokenizer's vocabulary comes from the data: pass --vocab N"
                                          : "tokenizer.path '" + t.path + "' does not exist yet: pass --vocab N");
}

void row(const char* name, double bytes, const char* note) {
  std::printf("  %-15s %9.2f GiB  %s\n", name, bytes / (1 << 30), note);
}

}  // namespace

int plan_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil plan CONFIG [--vocab N] [--nproc N] [--memory-gib G] [key.path=value ...]\n\n"
        "Predicts the memory one rank of this training run needs, before launching it: weights,\n"
        "gradients, AdamW state, bf16 weight copies and activations, from the tensors anvil's step\n"
        "keeps. With --memory-gib (default 80 on cuda), says whether it fits; the exit status is 3\n"
        "when it does not. --nproc: ranks the global batch and a sharded optimizer split over.");
    return 0;
  }
  const auto p = parse(args);
  const auto config = load_config_args(p.config_args, recipes::ConfigUse::kNoData).config;
  const auto options = recipes::resolve(config);
  const bool cuda = options.device != recipes::DeviceChoice::kCpu;
  const c10::Device device = cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  training::PlanInputs in;
  in.model = options.model;
  in.model.vocab_size = vocab_size(p, config, options.tokenizer);
  // As run.fused_kernels decides on a CUDA build; a CPU-only build planning a
  // CUDA run assumes the kernels such a build has.
  in.model.fused_ops = recipes::resolve_fused_kernels(config, device, cuda || kernels::fused_ops_available(c10::kCPU));
  in.model.num_classes = recipes::task_of(config).num_classes(config.classify.labels);
  recipes::require_even_batch_split(config, p.nproc);
  in.micro_batch = config.train.batch_size / p.nproc;
  in.grad_accum = config.train.grad_accum;
  in.cuda = cuda;
  in.bf16 = recipes::resolve_precision(config, device) == training::Precision::kBf16;
  in.chunked_loss = config.train.chunked_loss;
  in.document_masks = options.data.packing == data::Packing::kDocumentMasked;
  if (config.lora.rank > 0)
    in.lora_parameters = training::count_lora_parameters(in.model, config.lora.rank, config.lora.targets);
  in.world_size = p.nproc;
  in.shard_optimizer = config.dist.shard_optimizer;
  const auto plan = training::plan_memory(in);

  std::printf("anvil plan %s: %.1fM parameters (%.1fM trained), per rank %lld x %lld tokens, %s on %s%s\n",
              p.config_args[0].c_str(), plan.parameters / 1e6, plan.trainable / 1e6, (long long)in.micro_batch,
              (long long)in.model.block_size, in.bf16 ? "bf16 autocast" : "fp32", cuda ? "cuda" : "cpu",
              in.model.fused_ops ? ", fused kernels" : "");
  std::printf("  parameters: %lld total, %lld trained\n", (long long)plan.parameters, (long long)plan.trainable);
  row("weights", plan.weights, "fp32");
  row("gradients", plan.gradients, "fp32, trained parameters");
  row("optimizer", plan.optimizer, in.shard_optimizer ? "AdamW moments, this rank's share" : "AdamW moments");
  if (in.bf16) row("weight copies", plan.weight_copies, "bf16 casts kept for backward");
  row("activations", plan.activations,
      in.model.activation_checkpointing > 0 ? "kept for backward, checkpointed blocks recomputed" : "kept for backward");
  if (plan.loss_transient > 0) row("loss", plan.loss_transient, "while the loss runs: a chunk of logits, the head's casts");
  row("peak", plan.peak(),
      plan.accumulating ? "all of the above: gradients accumulate through forward"
                        : "weights, optimizer, and the end of forward or the gradients, the larger");
  const double budget = p.memory_gib > 0 ? p.memory_gib : (cuda ? 80 : 0);
  if (budget == 0) return 0;
  const double used = plan.peak() / (budget * (1 << 30));
  if (used <= 1) {
    std::printf("fits in %.0f GiB (%.0f%%)\n", budget, 100 * used);
    return 0;
  }
  std::printf("does not fit in %.0f GiB (%.0f%%): try a smaller train.batch_size with train.grad_accum, "
              "model.activation_checkpointing=1, or dist.shard_optimizer over more ranks\n",
              budget, 100 * used);
  return 3;
}

}  // namespace anvil::cli
