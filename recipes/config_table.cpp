#include "recipes/config_table.h"

#include <algorithm>

#include "models/hf_config.h"
#include "recipes/model_presets.h"

namespace anvil::recipes {
namespace {

// The key and the member it sets are the same path: write it once.
#define FIELD(path) #path, [](RunConfig& c) -> FieldRef { return &c.path; }

constexpr double kInf = std::numeric_limits<double>::infinity();

ConfigField number(ConfigField f, double min, double max = kInf) {
  f.min = min;
  f.max = max;
  return f;
}

ConfigField one_of(ConfigField f, std::vector<std::string> choices) {
  f.choices = std::move(choices);
  return f;
}

ConfigField path(ConfigField f) {
  f.is_path = true;
  return f;
}

ConfigField output_path(ConfigField f) {
  f.is_path = f.is_output = true;
  return f;
}

std::vector<std::string> family_choices() {
  auto names = models::hf_family_names();
  names.insert(names.begin(), "");
  return names;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<ConfigField>& config_fields() {
  static const std::vector<ConfigField> fields = {
      output_path({FIELD(run.dir), "run directory: resolved config, metrics.jsonl, checkpoints"}),
      {FIELD(run.seed), "seed for initialisation, shuffling and dropout"},
      number({FIELD(run.threads), "CPU threads for LibTorch (0: all cores)"}, 0, 1024),
      one_of({FIELD(run.device), "where to train: auto picks cuda when present"}, {"auto", "cpu", "cuda"}),
      one_of({FIELD(run.precision), "auto: bf16 autocast on cuda, fp32 on cpu; bf16: matmuls and attention in "
                                      "bfloat16, weights and optimizer state in fp32"},
             {"auto", "bf16", "fp32"}),
      {FIELD(run.tf32), "cuda: let fp32 matmuls round their inputs to TF32"},
      one_of({FIELD(run.fused_kernels), "anvil's fused kernels (cross-entropy with its gradient, residual add with "
                                          "norm, bias with GELU); auto: on cuda when built with them; on: also "
                                          "on cpu, through their slow reference path"},
             {"auto", "on", "off"}),
      one_of({FIELD(run.cuda_graphs), "record the training step once as a CUDA graph and replay it (cuda, one process, "
                                      "fixed batch shapes, optim.fused, no activation checkpointing); auto: where "
                                      "those hold for a language model; on: an error where they do not"},
             {"off", "auto", "on"}),
      number({FIELD(run.peak_tflops), "peak dense TFLOP/s of one device, for the logged MFU (0: 989, an H100's "
                                        "bf16 peak, on cuda; none on cpu)"}, 0),
      one_of({FIELD(run.resume), "auto: continue from the newest complete checkpoint in run.dir; never: start afresh"},
             {"auto", "never"}),

      one_of({FIELD(task.type), "lm: language modelling on data.train or data.shards; sft: instruction tuning on "
                                "jsonl; classify: text classification on tsv, csv or jsonl; dpo: preference tuning "
                                "on pairs of responses (jsonl or .jsonl.gz)"},
             {"lm", "sft", "classify", "dpo"}),

      path({FIELD(data.train), "training data: a text file (lm), jsonl (sft), tsv, csv or jsonl (classify)"}),
      path({FIELD(data.val), "validation data, as data.train; empty: hold out data.val_fraction of data.train"}),
      output_path({FIELD(data.shards), "token shards from anvil prepare (instead of data.train)"}),
      {FIELD(data.sources), "corpora for anvil prepare and tokenizer training: a list of {name, path (file or glob), "
                            "format auto|txt|jsonl, delimiter file|blank_line|line|TEXT, text_field, "
                            "split auto|train|val, weight}"},
      number({FIELD(data.val_fraction), "share held out for validation: of data.train's tokens when data.val is "
                                        "empty, of each source's documents in anvil prepare"}, 0.0001, 0.999),
      number({FIELD(data.stride), "tokens between training windows (0: block_size, no overlap; 1: every offset)"}, 0),
      one_of({FIELD(data.packing), "concat: documents joined by EOS; document_masked: no attention or target across "
                                   "documents, positions restart per document (shards only)"},
             {"concat", "document_masked"}),
      number({FIELD(data.prefetch), "training batches assembled ahead on a background thread (0: none)"}, 0, 1024),
      one_of({FIELD(data.token_dtype), "anvil prepare: token width in shards (auto: uint16 when the vocabulary fits)"},
             {"auto", "uint16", "uint32"}),
      number({FIELD(data.shard_tokens), "anvil prepare: tokens per shard file"}, 1),
      one_of({FIELD(data.overlong), "sft, classify, dpo: an example (a pair's response row) longer than model.block_size is an error, or cut to it"},
             {"error", "truncate"}),
      one_of({FIELD(data.invalid_utf8), "anvil prepare: invalid UTF-8 is an error, or replaced by U+FFFD"},
             {"error", "replace"}),

      one_of({FIELD(tokenizer.type), "char (vocabulary built from the training text), sentencepiece, or hf (a Hugging "
                                     "Face tokenizer; picked when tokenizer.path is a directory or model.init_from "
                                     "holds one)"},
             {"char", "sentencepiece", "hf"}),
      output_path({FIELD(tokenizer.path), "sentencepiece .model file; hf: a model directory or its tokenizer.json, "
                                          "vocab.json or tokenizer.model (tiktoken or sentencepiece)"}),
      path({FIELD(tokenizer.chat_template), "hf: a Jinja chat template file replacing the tokenizer's own"}),
      one_of({FIELD(tokenizer.model_type), "anvil tokenizer train: sentencepiece algorithm"}, {"bpe", "unigram"}),
      number({FIELD(tokenizer.vocab_size), "anvil tokenizer train: vocabulary size"}, 8, 1 << 24),
      number({FIELD(tokenizer.character_coverage), "anvil tokenizer train: share of characters kept as pieces"}, 0.5,
             1),
      {FIELD(tokenizer.byte_fallback), "anvil tokenizer train: unknown characters become UTF-8 byte tokens"},
      {FIELD(tokenizer.special_tokens), "anvil tokenizer train: tokens never split, e.g. [\"<|endoftext|>\", \"<pad>\"]"},
      number({FIELD(tokenizer.max_sentences), "anvil tokenizer train: lines sampled for training (0: all)"}, 0),

      one_of({FIELD(model.preset), "named architecture (keys set in the config override it)"}, model_preset_names()),
      number({FIELD(model.n_layer), "transformer blocks"}, 1, 1024),
      number({FIELD(model.n_head), "attention heads per block"}, 1, 1024),
      number({FIELD(model.n_kv_head), "key/value heads, < n_head for grouped-query attention (0: n_head)"}, 0, 1024),
      number({FIELD(model.n_embd), "width of the residual stream"}, 1, 65536),
      number({FIELD(model.head_dim), "width of one attention head (0: n_embd / n_head)"}, 0, 4096),
      number({FIELD(model.ffn_hidden), "MLP hidden width (0: 4·n_embd for gelu, 8/3·n_embd for swiglu and geglu)"}, 0),
      number({FIELD(model.block_size), "sequence length (context window) in tokens"}, 1, 1 << 20),
      number({FIELD(model.dropout), "dropout on embeddings, attention and residual branches"}, 0, 0.99),
      {FIELD(model.bias), "biases in Linear and LayerNorm layers"},
      {FIELD(model.qkv_bias), "biases on the query, key and value projections alone (Qwen2)"},
      {FIELD(model.qk_norm), "an RMSNorm over each head's queries and keys before rope (Qwen3, Gemma 3)"},
      {FIELD(model.post_norms), "a norm on each sublayer's output before the residual add (Gemma)"},
      {FIELD(model.scale_embeddings), "token embeddings multiplied by sqrt(n_embd) (Gemma)"},
      {FIELD(model.tie_embeddings), "the LM head reuses the token embedding matrix"},
      one_of({FIELD(model.position), "position encoding"}, {"learned", "sinusoidal", "rope"}),
      number({FIELD(model.rope_theta), "rope: base of the rotary frequencies"}, 1),
      one_of({FIELD(model.rope_scaling), "rope: frequencies stretched for a longer context, as Hugging Face's "
                                         "rope types (linear, llama3: Llama 3.1+, yarn)"},
             {"none", "linear", "llama3", "yarn"}),
      number({FIELD(model.rope_factor), "rope_scaling: how many times the pretraining context"}, 1e-6),
      number({FIELD(model.rope_original_context), "rope_scaling llama3, yarn: the pretraining context in tokens"}, 0),
      number({FIELD(model.rope_low_freq_factor), "rope_scaling llama3: low_freq_factor"}, 1e-6),
      number({FIELD(model.rope_high_freq_factor), "rope_scaling llama3: high_freq_factor"}, 1e-6),
      number({FIELD(model.rope_beta_fast), "rope_scaling yarn: beta_fast"}, 1e-6),
      number({FIELD(model.rope_beta_slow), "rope_scaling yarn: beta_slow"}, 1e-6),
      number({FIELD(model.rope_attention_factor), "rope_scaling yarn: cos/sin scale (0: 0.1·ln(factor) + 1)"}, 0),
      number({FIELD(model.rope_local_theta), "rope base of the sliding-window layers, unscaled (Gemma 3; 0: "
                                             "rope_theta and rope_scaling)"}, 0),
      number({FIELD(model.query_pre_attn_scalar), "attention scores are q·k / sqrt(this) (0: head_dim)"}, 0),
      number({FIELD(model.attn_softcap), "attention scores soft-capped to ±this by tanh (Gemma 2; 0: off)"}, 0),
      number({FIELD(model.logit_softcap), "output logits soft-capped to ±this by tanh (Gemma 2; 0: off)"}, 0),
      number({FIELD(model.sliding_window), "a token attends to itself and this many - 1 tokens before it "
                                           "(Mistral, Gemma; 0: all before it)"}, 0),
      number({FIELD(model.global_every), "sliding_window: every Nth layer attends globally (Gemma 2: 2, Gemma 3: "
                                         "6; 0: every layer slides)"}, 0),
      one_of({FIELD(model.norm), "normalisation before each sublayer (gemma_rmsnorm: scaled by 1 + weight)"},
             {"layernorm", "rmsnorm", "gemma_rmsnorm"}),
      number({FIELD(model.norm_eps), "epsilon of the normalisation"}, 0, 1),
      one_of({FIELD(model.mlp), "feed-forward: gelu, gelu_tanh (GPT-2's approximation), swiglu (Llama) or geglu "
                                "(Gemma: tanh-GELU gate)"},
             {"gelu", "gelu_tanh", "swiglu", "geglu"}),
      one_of({FIELD(model.family), "the Hugging Face family export-hf writes (empty: the first whose features the "
                                   "model has)"},
             family_choices()),
      number({FIELD(model.vocab_multiple), "embedding and head rows rounded up to a multiple of this (64 suits GPU "
                                           "matmuls; the extra rows are never targets or samples)"}, 1, 4096),
      number({FIELD(model.activation_checkpointing), "keep no activations inside every Nth block and recompute "
                                                     "them in backward: less memory, about a third more compute "
                                                     "(0: off, 1: every block)"}, 0),
      path({FIELD(model.init_from), "start from these weights: an anvil checkpoint, `anvil import-hf` output or a "
                                     "Hugging Face model directory (its config.json gives the model keys)"}),

      number({FIELD(optim.lr), "peak learning rate (AdamW)"}, 0, 10),
      number({FIELD(optim.weight_decay), "AdamW decoupled weight decay, applied to 2-D weights only"}, 0, 10),
      number({FIELD(optim.beta1), "AdamW beta1"}, 0, 0.999999),
      number({FIELD(optim.beta2), "AdamW beta2"}, 0, 0.999999),
      number({FIELD(optim.eps), "AdamW epsilon"}, 0, 1),
      number({FIELD(optim.grad_clip), "clip the global gradient norm to this (0: off)"}, 0),
      {FIELD(optim.fused), "AdamW as one fused kernel per parameter group (same update, fewer passes over memory)"},

      one_of({FIELD(schedule.type), "learning-rate shape after warmup"}, {"cosine", "linear", "constant", "wsd"}),
      number({FIELD(schedule.warmup_steps), "linear warmup steps from 0 to optim.lr"}, 0),
      number({FIELD(schedule.min_lr), "learning rate the decay reaches at decay_steps (steps count from 0, so a run of max_steps "
                                         "ends one step short of it)"}, 0, 10),
      number({FIELD(schedule.decay_steps), "step at which the decay reaches min_lr (0: train.max_steps)"}, 0),
      number({FIELD(schedule.decay_fraction), "wsd: share of the steps spent in the final decay"}, 0, 1),

      number({FIELD(train.max_steps), "optimizer steps"}, 1),
      number({FIELD(train.batch_size), "sequences per micro-batch, summed over all ranks"}, 1),
      number({FIELD(train.grad_accum), "micro-batches accumulated per optimizer step"}, 1),
      number({FIELD(train.label_smoothing), "label smoothing of the training loss"}, 0, 0.999),
      {FIELD(train.chunked_loss), "the LM head and its cross-entropy in chunks of tokens, gradients formed in the same "
                                  "pass: the [tokens, vocab] logits are never held"},
      number({FIELD(train.log_every), "steps between log lines"}, 1),
      number({FIELD(train.early_stop_patience), "stop after this many validations without improvement of the "
                                                "val loss (classify: accuracy); 0: never"}, 0),
      one_of({FIELD(train.nonfinite), "a step whose loss or gradient norm is NaN or Inf never updates the weights "
                                      "or the optimizer: skip goes on, stop ends the run with an error"},
             {"skip", "stop"}),
      number({FIELD(train.nonfinite_limit), "skip: this many consecutive non-finite steps end the run with an "
                                            "error"}, 1),

      number({FIELD(eval.every), "steps between validation runs (0: only at the end)"}, 0),
      number({FIELD(eval.batches), "validation batches per run, of blocks spread evenly over the validation set "
                                     "(0: the whole set)"}, 0),
      number({FIELD(eval.batch_size), "sequences per validation batch (0: train.batch_size)"}, 0),
      number({FIELD(eval.stride), "anvil eval: slide a window this many tokens at a time (0: tiled blocks)"}, 0),
      number({FIELD(eval.max_length), "anvil eval: sliding window length (0: model.block_size)"}, 0),
      output_path({FIELD(eval.predictions), "anvil eval, classify: write every example's prediction to this tsv"}),
      {FIELD(eval.tasks), "benchmark tasks scored at every validation, e.g. [arc_easy, piqa] or task YAML files "
                          "(docs/evaluation.md); into metrics.jsonl as TASK/METRIC"},
      number({FIELD(eval.task_limit), "documents per benchmark task at each validation (0: all)"}, 0),
      number({FIELD(eval.num_fewshot), "few-shot examples per benchmark document (-1: each task's own)"}, -1),
      {FIELD(eval.sample_prompts), "texts continued at each validation, as nanoGPT shows them: in the log, "
                                   "metrics.jsonl and TensorBoard (top-k and top-p from generate)"},
      number({FIELD(eval.sample_tokens), "tokens generated for each sample prompt"}, 1, 1 << 20),
      number({FIELD(eval.sample_temperature), "softmax temperature of the samples (0: greedy)"}, 0, 100),
      {FIELD(eval.sample_seed), "sampling seed of the samples, the same at every validation"},

      number({FIELD(checkpoint.every), "steps between checkpoints (0: only at the end)"}, 0),
      number({FIELD(checkpoint.keep_last), "checkpoints kept on disk (0: all)"}, 0),
      one_of({FIELD(checkpoint.keep_best), "also keep the best checkpoint by val_loss or (classify) val_accuracy"},
             {"", "val_loss", "val_accuracy"}),

      {FIELD(generate.prompt), "anvil generate: the text to continue"},
      number({FIELD(generate.max_new_tokens), "anvil generate: tokens to sample"}, 1),
      number({FIELD(generate.temperature), "anvil generate: softmax temperature (0: greedy)"}, 0, 100),
      number({FIELD(generate.top_k), "anvil generate: sample among the k likeliest tokens (0: all)"}, 0),
      number({FIELD(generate.top_p), "anvil generate: nucleus sampling mass (1: off)"}, 0.01, 1),
      {FIELD(generate.seed), "anvil generate: sampling seed"},
      {FIELD(generate.use_cache), "anvil generate: KV cache, so each new token costs one position"},

      one_of({FIELD(sft.format), "alpaca: instruction/input/output fields; prompt_completion; messages: a list of "
                                 "{role, content}, the assistant's turns trained; chat: messages (or an alpaca record "
                                 "as a user and an assistant turn) rendered with the hf tokenizer's chat template, "
                                 "the assistant's turns and their end-of-turn tokens trained"},
             {"alpaca", "prompt_completion", "messages", "chat"}),
      {FIELD(sft.prompt_template), "alpaca: the prompt, with {instruction} and {input} filled in"},
      {FIELD(sft.prompt_template_no_input), "alpaca: the prompt when the input field is empty"},
      {FIELD(sft.instruction_field), "alpaca: field of the instruction"},
      {FIELD(sft.input_field), "alpaca: field of the optional input"},
      {FIELD(sft.output_field), "alpaca: field of the response"},
      {FIELD(sft.prompt_field), "prompt_completion: field of the prompt"},
      {FIELD(sft.completion_field), "prompt_completion: field of the completion"},
      {FIELD(sft.messages_field), "messages, chat: field of the message list"},
      {FIELD(sft.role_template), "messages: text before each message, with {role} filled in"},
      one_of({FIELD(sft.packing), "pad: one example per row, padded to the longest in the batch; pack: examples end to "
                                  "end in rows of block_size, attention kept within each"},
             {"pad", "pack"}),

      {FIELD(classify.text_field), "column or field of the text"},
      {FIELD(classify.label_field), "column or field of the label (a name or an integer)"},
      {FIELD(classify.labels), "the label set, in class order (empty: the training labels, sorted)"},
      one_of({FIELD(classify.pooling), "what the head reads: the last token's state or the mean of all states"},
             {"last", "mean"}),
      one_of({FIELD(classify.class_weights), "balanced: weight each example's loss by 1 / its class's training frequency (the weights average 1 "
                 "over the classes; the loss stays a sum over examples divided by their number)"},
             {"none", "balanced"}),

      one_of({FIELD(dpo.format), "prompt: prompt, chosen and rejected strings; dialogue: chosen and rejected whole "
                                 "dialogues sharing a prefix, each response after the last dpo.response_marker; "
                                 "messages: chosen and rejected message lists sharing all but the last (the "
                                 "assistant's), rendered with the hf tokenizer's chat template"},
             {"prompt", "dialogue", "messages"}),
      {FIELD(dpo.prompt_field), "prompt: field of the prompt"},
      {FIELD(dpo.chosen_field), "field of the chosen (preferred) response, dialogue or messages"},
      {FIELD(dpo.rejected_field), "field of the rejected response, dialogue or messages"},
      {FIELD(dpo.response_marker), "dialogue: the text after which the last turn, the response, begins"},
      one_of({FIELD(dpo.loss), "sigmoid: DPO (with dpo.label_smoothing, conservative DPO); ipo; hinge; simpo: "
                               "length-normalised, without a reference model"},
             {"sigmoid", "ipo", "hinge", "simpo"}),
      number({FIELD(dpo.beta), "the loss's β: how far the policy may move from the reference"}, 1e-6),
      number({FIELD(dpo.label_smoothing), "sigmoid, simpo: the assumed chance that a pair's labels are flipped"}, 0,
             0.5),
      number({FIELD(dpo.simpo_gamma), "simpo: the target reward margin γ"}, 0),
      number({FIELD(dpo.sft_weight), "weight of an SFT term, the chosen responses' mean token NLL (TRL's rpo_alpha); "
                                     "0: none"}, 0),
      one_of({FIELD(dpo.reference), "the reference model. copy: a frozen copy of model.init_from; adapters_off: the "
                                    "LoRA model with its adapters switched off (no second copy); precomputed: every "
                                    "pair's reference log-probabilities computed once before training, into the run "
                                    "directory, and no reference model held; auto: adapters_off with LoRA, else copy"},
             {"auto", "copy", "adapters_off", "precomputed"}),

      number({FIELD(lora.rank), "LoRA adapter rank; 0: no LoRA, every weight trains"}, 0, 4096),
      number({FIELD(lora.alpha), "LoRA scale numerator: adapters are scaled by alpha / rank"}, 0),
      number({FIELD(lora.dropout), "dropout on the adapters' input"}, 0, 0.99),
      one_of({FIELD(lora.targets), "layers that get adapters"},
             {"attn.qkv", "attn.proj", "mlp.fc", "mlp.gate", "mlp.up", "mlp.proj"}),

      one_of({FIELD(dist.backend), "c10d backend of a multi-process run: auto picks nccl on cuda, gloo on cpu"},
             {"auto", "gloo", "nccl"}),
      {FIELD(dist.shard_optimizer), "ZeRO-1: each rank keeps and updates only its share of the AdamW state"},
      number({FIELD(dist.bucket_mb), "gradient all-reduce bucket size in MB, overlapped with backward"}, 0.01, 4096),
      number({FIELD(dist.timeout_s), "seconds a collective waits for a peer before the run fails"}, 1, 86400),
  };
  return fields;
}

#undef FIELD

const std::vector<ConfigSection>& config_sections() {
  static const std::vector<ConfigSection> sections = {
      {"run", "Where and how a run executes: its directory, seed, threads, device, precision, fast paths and resume."},
      {"task", "The job: language modelling, instruction tuning or classification. The loop, checkpoints and resume "
               "are the same for every task."},
      {"data", "Training and validation data: a file read whole, or token shards that `anvil prepare` writes from "
               "`data.sources`."},
      {"tokenizer", "The tokenizer, and for `anvil tokenizer train` how to train a sentencepiece model."},
      {"model", "The decoder's architecture (GPT-2 and Llama share one block design), or the weights to start from."},
      {"optim", "AdamW."},
      {"schedule", "The learning rate over the steps: linear warmup, then the decay."},
      {"train", "Steps, batches and the training loss."},
      {"eval", "Validation during training, and `anvil eval`."},
      {"checkpoint", "How often checkpoints are written and which are kept."},
      {"generate", "Sampling with `anvil generate`."},
      {"sft", "Instruction tuning (`task.type: sft`): the jsonl record format and the prompt template."},
      {"classify", "Text classification (`task.type: classify`): columns, labels, pooling and class weights."},
      {"dpo", "Preference tuning (`task.type: dpo`): the pairs' format, the loss and the reference model."},
      {"lora", "Low-rank adapters on a frozen base model."},
      {"dist", "Multi-process (data-parallel) runs."},
  };
  return sections;
}

const ConfigField* find_field(std::string_view key) {
  for (const auto& f : config_fields())
    if (f.key == key) return &f;
  return nullptr;
}

std::string closest_key(std::string_view key) {
  std::string best;
  size_t best_distance = std::max<size_t>(3, key.size() / 3) + 1;
  for (const auto& f : config_fields()) {
    // Compare whole paths, and also leaves, so "optim.learning_rat" and
    // "train.lr" (a key under the wrong section) both find optim.lr.
    const std::string_view leaf = std::string_view(f.key).substr(f.key.find('.') + 1);
    const std::string_view key_leaf = key.substr(key.find('.') == std::string_view::npos ? 0 : key.find('.') + 1);
    const size_t d = std::min(edit_distance(key, f.key), edit_distance(key_leaf, leaf) + 1);
    if (d < best_distance) {
      best_distance = d;
      best = f.key;
    }
  }
  return best;
}

}  // namespace anvil::recipes
