#pragma once
// Every setting of a run, as typed structs with their defaults. The YAML keys
// are these member paths (e.g. optim.lr); recipes/config_table.cpp lists them.
#include <cstdint>
#include <string>
#include <vector>

namespace anvil::recipes {

struct RunSection {
  std::string dir = "runs/default";  // resolved config, metrics.jsonl, checkpoints
  int64_t seed = 1337;
  int64_t threads = 0;  // 0: all cores
  std::string device = "auto";
  std::string precision = "auto";  // auto: bf16 autocast on CUDA, fp32 elsewhere | bf16 | fp32
  bool tf32 = true;  // CUDA: fp32 matmuls may round their inputs to TF32
  std::string fused_kernels = "auto";  // auto: on CUDA when built with them | on | off
  std::string cuda_graphs = "off";  // record the training step once as a CUDA graph and replay it: off | auto | on
  double peak_tflops = 0;  // per device, for MFU; 0: 989 (H100 bf16 dense) on CUDA, no MFU on CPU
  std::string resume = "auto";  // auto: continue from the newest complete checkpoint in dir
};

// One corpus of a prepared mixture (data.sources): what `anvil tokenizer
// train` and `anvil prepare` read, and how often training draws from it.
struct DataSource {
  std::string name;  // its folder under data.shards; empty: the file name's stem
  std::string path;  // a file or a glob
  std::string format = "auto";  // auto (from the extension) | txt | jsonl
  std::string delimiter = "file";  // txt: file | blank_line | line | a literal separator
  std::string text_field = "text";  // jsonl
  std::string split = "auto";  // auto: data.val_fraction of its documents go to validation | train | val
  double weight = 1.0;  // relative share of training blocks
};

struct DataSection {
  std::string train;  // text corpus read whole (the simple path); or:
  std::string shards;  // directory of token shards written by anvil prepare from data.sources
  std::vector<DataSource> sources;
  std::string val;    // optional; empty: the last val_fraction of train
  double val_fraction = 0.1;
  int64_t stride = 0;  // tokens between training windows; 0: model.block_size
  std::string packing = "concat";  // concat | document_masked
  int64_t prefetch = 4;  // batches assembled ahead on a background thread
  std::string token_dtype = "auto";
  int64_t shard_tokens = 100'000'000;
  std::string invalid_utf8 = "error";  // error | replace
  std::string overlong = "error";  // fine-tuning examples longer than model.block_size: error | truncate
};

struct TokenizerSection {
  std::string type = "char";
  std::string path;  // sentencepiece .model; hf: a model directory or tokenizer file
  std::string chat_template;  // hf: a Jinja file replacing the tokenizer's template
  // anvil tokenizer train:
  std::string model_type = "bpe";
  int64_t vocab_size = 8192;
  double character_coverage = 0.9995;
  bool byte_fallback = true;
  std::vector<std::string> special_tokens;
  int64_t max_sentences = 0;
};

struct ModelSection {
  std::string preset;  // named architecture; keys set in the config win over it
  int64_t n_layer = 4;
  int64_t n_head = 4;
  int64_t n_kv_head = 0;  // 0: n_head
  int64_t n_embd = 128;
  int64_t head_dim = 0;    // 0: n_embd / n_head
  int64_t ffn_hidden = 0;  // 0: from n_embd and mlp
  int64_t block_size = 64;
  double dropout = 0.0;
  bool bias = false;
  bool qkv_bias = false;
  bool qk_norm = false;
  bool post_norms = false;
  bool scale_embeddings = false;
  bool tie_embeddings = true;
  std::string position = "learned";
  double rope_theta = 10000.0;
  std::string rope_scaling = "none";
  double rope_factor = 1.0;
  int64_t rope_original_context = 0;
  double rope_low_freq_factor = 1.0;
  double rope_high_freq_factor = 4.0;
  double rope_beta_fast = 32.0;
  double rope_beta_slow = 1.0;
  double rope_attention_factor = 0.0;
  double rope_local_theta = 0.0;
  double query_pre_attn_scalar = 0.0;
  double attn_softcap = 0.0;
  double logit_softcap = 0.0;
  int64_t sliding_window = 0;
  int64_t global_every = 0;
  std::string norm = "layernorm";
  double norm_eps = 1e-5;
  std::string mlp = "gelu";
  std::string family;  // the Hugging Face family export-hf writes; "": from the features
  int64_t vocab_multiple = 1;  // embedding rows rounded up to a multiple of this (64 suits GPUs)
  int64_t activation_checkpointing = 0;  // recompute every Nth block's activations in backward (0: none)
  std::string init_from;  // an anvil checkpoint or a Hugging Face model directory
};

struct OptimSection {
  double lr = 1e-3;
  double weight_decay = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.99;
  double eps = 1e-8;
  double grad_clip = 1.0;  // 0: off
  bool fused = true;  // one fused kernel per parameter group instead of per-parameter ops
};

struct ScheduleSection {
  std::string type = "cosine";
  int64_t warmup_steps = 100;
  double min_lr = 1e-4;
  int64_t decay_steps = 0;      // 0: train.max_steps
  double decay_fraction = 0.2;  // wsd: share of steps spent decaying
};

struct TrainSection {
  int64_t max_steps = 2000;
  int64_t batch_size = 12;  // sequences per micro-batch, summed over all ranks
  int64_t grad_accum = 1;   // micro-batches per optimizer step
  double label_smoothing = 0.0;
  bool chunked_loss = true;  // LM head and loss in chunks: no [tokens, vocab] logits held for backward
  int64_t log_every = 10;
  int64_t early_stop_patience = 0;  // validations without improvement before stopping (0: never)
  std::string nonfinite = "skip";   // a step with a NaN/Inf loss or gradient norm: skip | stop
  int64_t nonfinite_limit = 10;     // skip: consecutive skipped steps that stop the run
};

struct EvalSection {
  int64_t every = 250;  // 0: only at the end
  int64_t batches = 0;  // 0: the whole validation set
  int64_t batch_size = 0;  // 0: train.batch_size
  int64_t stride = 0;      // anvil eval: > 0 scores the stream with a sliding window
  int64_t max_length = 0;  // sliding window length; 0: model.block_size
  std::string predictions;  // anvil eval, classify: write each example's prediction here
  std::vector<std::string> tasks;  // benchmark tasks scored with each validation (names or task YAML files)
  int64_t task_limit = 0;          // documents per task then; 0: all
  int64_t num_fewshot = -1;        // -1: each task's own
  std::vector<std::string> sample_prompts;  // continued at each validation, into the log and TensorBoard
  int64_t sample_tokens = 64;
  double sample_temperature = 0.8;
  int64_t sample_seed = 1337;
};

struct CheckpointSection {
  int64_t every = 0;  // 0: only at the end
  int64_t keep_last = 0;  // 0: keep all
  std::string keep_best;  // val_loss | val_accuracy: also keep the best checkpoint by it
};

struct GenerateSection {
  std::string prompt = "\n";
  int64_t max_new_tokens = 500;
  double temperature = 0.8;
  int64_t top_k = 200;
  double top_p = 1.0;
  int64_t seed = 1337;
  bool use_cache = true;
};

struct TaskSection {
  std::string type = "lm";  // lm: causal LM on text or shards | sft: instruction tuning | classify | dpo
};

struct SftSection {
  std::string format = "alpaca";  // alpaca | prompt_completion | messages
  std::string prompt_template =
      "Below is an instruction that describes a task, paired with an input that provides further context. "
      "Write a response that appropriately completes the request.\n\n"
      "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";
  std::string prompt_template_no_input =
      "Below is an instruction that describes a task. Write a response that appropriately completes the "
      "request.\n\n### Instruction:\n{instruction}\n\n### Response:\n";
  std::string instruction_field = "instruction";
  std::string input_field = "input";
  std::string output_field = "output";
  std::string prompt_field = "prompt";
  std::string completion_field = "completion";
  std::string messages_field = "messages";
  std::string role_template = "<|{role}|>\n";  // messages: put before each message's content
  std::string packing = "pad";  // pad | pack
};

struct ClassifySection {
  std::string text_field = "sentence";
  std::string label_field = "label";
  std::vector<std::string> labels;  // empty: the training data's labels, sorted
  std::string pooling = "last";  // last | mean
  std::string class_weights = "none";  // none | balanced
};

struct DpoSection {
  std::string format = "prompt";  // prompt | dialogue | messages
  std::string prompt_field = "prompt";
  std::string chosen_field = "chosen";
  std::string rejected_field = "rejected";
  std::string response_marker = "\n\nAssistant:";  // dialogue: a response follows the last one
  std::string loss = "sigmoid";  // sigmoid | ipo | hinge | simpo
  double beta = 0.1;
  double label_smoothing = 0.0;
  double simpo_gamma = 0.5;
  double sft_weight = 0.0;
  std::string reference = "auto";  // auto | copy | adapters_off | precomputed
};

struct LoraSection {
  int64_t rank = 0;  // 0: no LoRA, the whole model trains
  double alpha = 16.0;
  double dropout = 0.05;
  std::vector<std::string> targets = {"attn.qkv", "attn.proj"};
};

// Data parallel over c10d process groups; the launch itself (rank, world
// size, rendezvous) comes from torchrun's environment variables.
struct DistSection {
  std::string backend = "auto";  // auto: nccl on cuda, gloo on cpu
  bool shard_optimizer = false;  // ZeRO-1: each rank keeps and updates only its share of the AdamW state
  double bucket_mb = 25.0;       // gradients are all-reduced in buckets of this size as backward produces them
  int64_t timeout_s = 300;       // a collective waiting this long for a peer fails the run
};

struct RunConfig {
  RunSection run;
  TaskSection task;
  DataSection data;
  TokenizerSection tokenizer;
  ModelSection model;
  OptimSection optim;
  ScheduleSection schedule;
  TrainSection train;
  EvalSection eval;
  CheckpointSection checkpoint;
  GenerateSection generate;
  SftSection sft;
  ClassifySection classify;
  DpoSection dpo;
  LoraSection lora;
  DistSection dist;
};

}  // namespace anvil::recipes
