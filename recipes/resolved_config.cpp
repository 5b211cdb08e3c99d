#include "recipes/resolved_config.h"

#include <filesystem>
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <utility>

#include "models/hf_config.h"
#include "recipes/tasks/task.h"

namespace anvil::recipes {
using namespace training;
namespace {

// The enum a choice names. The table accepted only these names, so another
// is a table and resolution out of step: a bug, not a config error.
template <typename Enum>
Enum choice(const std::string& key, const std::string& value,
            std::initializer_list<std::pair<const char*, Enum>> names) {
  for (const auto& [name, e] : names)
    if (value == name) return e;
  throw std::logic_error(key + ": '" + value + "' has no resolution");
}

enum class Switch { kAuto, kOn, kOff };  // run.fused_kernels, run.cuda_graphs

Switch switch_of(const std::string& key, const std::string& value) {
  return choice<Switch>(key, value, {{"auto", Switch::kAuto}, {"on", Switch::kOn}, {"off", Switch::kOff}});
}

training::PreferenceOptions preference_options(const DpoSection& d) {
  training::PreferenceOptions o;
  o.loss = choice<training::PreferenceLoss>("dpo.loss", d.loss,
                  {{"sigmoid", training::PreferenceLoss::kSigmoid}, {"ipo", training::PreferenceLoss::kIpo},
                   {"hinge", training::PreferenceLoss::kHinge}, {"simpo", training::PreferenceLoss::kSimpo}});
  o.beta = d.beta;
  o.label_smoothing = d.label_smoothing;
  o.simpo_gamma = d.simpo_gamma;
  o.sft_weight = d.sft_weight;
  return o;
}

TaskKind task_kind(const RunConfig& c) {
  return choice<TaskKind>("task.type", c.task.type,
                {{"lm", TaskKind::kLm}, {"sft", TaskKind::kSft}, {"classify", TaskKind::kClassify},
                 {"dpo", TaskKind::kDpo}});
}

bool is_rope(const ModelSection& m) {
  return choice<bool>("model.position", m.position, {{"learned", false}, {"sinusoidal", false}, {"rope", true}});
}

bool is_gated(const ModelSection& m) {
  return choice<bool>("model.mlp", m.mlp, {{"gelu", false}, {"gelu_tanh", false}, {"swiglu", true}, {"geglu", true}});
}

// txt's delimiter: a name, or any other text as the literal separator.
data::Delimiter delimiter_of(const std::string& delimiter) {
  if (delimiter == "file") return data::Delimiter::kFile;
  if (delimiter == "blank_line") return data::Delimiter::kBlankLine;
  if (delimiter == "line") return data::Delimiter::kLine;
  return data::Delimiter::kSeparator;
}

SourceOptions source_options(const DataSource& s, bool replace_invalid_utf8) {
  SourceOptions out;
  out.corpus.name = s.name;
  out.corpus.split = choice<data::SourceSplit>(
      "split", s.split,
      {{"auto", data::SourceSplit::kAuto}, {"train", data::SourceSplit::kTrain}, {"val", data::SourceSplit::kVal}});
  auto& documents = out.corpus.documents;
  documents.path = s.path;
  // auto: by the extension, .jsonl or else txt.
  const std::string format =
      s.format != "auto" ? s.format : std::filesystem::path(s.path).extension() == ".jsonl" ? "jsonl" : "txt";
  documents.format =
      choice<data::DocumentFormat>("format", format,
                                   {{"txt", data::DocumentFormat::kTxt}, {"jsonl", data::DocumentFormat::kJsonl}});
  documents.delimiter = delimiter_of(s.delimiter);
  if (documents.delimiter == data::Delimiter::kSeparator) documents.separator = s.delimiter;
  documents.text_field = s.text_field;
  documents.replace_invalid_utf8 = replace_invalid_utf8;
  out.weight = s.weight;
  return out;
}

DataOptions data_options(const RunConfig& c) {
  DataOptions out;
  out.stride = c.data.stride > 0 ? c.data.stride : c.model.block_size;
  out.packing = choice<data::Packing>("data.packing", c.data.packing,
                       {{"concat", data::Packing::kConcat}, {"document_masked", data::Packing::kDocumentMasked}});
  out.replace_invalid_utf8 =
      choice<bool>("data.invalid_utf8", c.data.invalid_utf8, {{"error", false}, {"replace", true}});
  out.truncate_overlong = choice<bool>("data.overlong", c.data.overlong, {{"error", false}, {"truncate", true}});
  out.token_dtype = choice<data::TokenDtype>("data.token_dtype", c.data.token_dtype,
                           {{"auto", data::TokenDtype::kAuto}, {"uint16", data::TokenDtype::kUint16},
                            {"uint32", data::TokenDtype::kUint32}});
  for (const auto& source : c.data.sources) out.sources.push_back(source_options(source, out.replace_invalid_utf8));
  return out;
}

ScheduleOptions schedule_options(const RunConfig& c) {
  ScheduleOptions out;
  out.kind = choice<ScheduleKind>("schedule.type", c.schedule.type,
                    {{"cosine", ScheduleKind::kCosine}, {"linear", ScheduleKind::kLinear},
                     {"constant", ScheduleKind::kConstant}, {"wsd", ScheduleKind::kWsd}});
  out.peak_lr = c.optim.lr;
  out.min_lr = c.schedule.min_lr;
  out.warmup_steps = c.schedule.warmup_steps;
  out.decay_steps = c.schedule.decay_steps > 0 ? c.schedule.decay_steps : c.train.max_steps;
  out.decay_fraction = c.schedule.decay_fraction;
  return out;
}

EvalOptions eval_options(const RunConfig& c) {
  EvalOptions out;
  out.every = c.eval.every;
  out.batches = c.eval.batches;
  out.batch_size = c.eval.batch_size > 0 ? c.eval.batch_size : c.train.batch_size;
  out.stride = c.eval.stride;
  out.window = c.eval.max_length > 0 ? c.eval.max_length : c.model.block_size;
  return out;
}

void require(bool ok, std::vector<std::string> keys, const std::string& message) {
  if (!ok) throw RelationError(std::move(keys), message);
}

void check_lora_targets(const RunConfig& c) {
  const auto& targets = c.lora.targets;
  require(std::set<std::string>(targets.begin(), targets.end()).size() == targets.size(), {"lora.targets"},
          "lora.targets lists a layer twice");
  const bool swiglu = is_gated(c.model);
  for (const auto& target : targets)
    require(c.lora.rank == 0 || (swiglu ? target != "mlp.fc" : target != "mlp.gate" && target != "mlp.up"),
            {"lora.targets", "model.mlp"},
            "lora.targets: '" + target + "' is not a layer of a " + c.model.mlp + " MLP (" +
                (swiglu ? "mlp.gate, mlp.up and mlp.proj" : "mlp.fc and mlp.proj") + ")");
}

// The options of the Llama-derived families that only make sense together.
void check_model_features(const RunConfig& c, const models::GPTConfig& g) {
  const auto& m = c.model;
  const bool rope = is_rope(m), scaled = m.rope_scaling != "none";
  require(rope || (!scaled && m.rope_local_theta == 0), {"model.rope_scaling", "model.position"},
          "model.rope_scaling and model.rope_local_theta need model.position rope");
  require(!(m.rope_scaling == "llama3" || m.rope_scaling == "yarn") || m.rope_original_context > 0,
          {"model.rope_original_context", "model.rope_scaling"},
          "model.rope_scaling " + m.rope_scaling + " needs model.rope_original_context, the pretraining context");
  require(m.rope_scaling != "llama3" || m.rope_high_freq_factor > m.rope_low_freq_factor,
          {"model.rope_high_freq_factor", "model.rope_low_freq_factor"},
          "model.rope_high_freq_factor must exceed model.rope_low_freq_factor");
  require(m.global_every == 0 || m.sliding_window > 0, {"model.global_every", "model.sliding_window"},
          "model.global_every picks the global layers among sliding ones: set model.sliding_window");
  require(m.rope_local_theta == 0 || m.sliding_window > 0, {"model.rope_local_theta", "model.sliding_window"},
          "model.rope_local_theta is the sliding layers' rope base: set model.sliding_window");
  if (m.family.empty()) return;
  const auto why = models::family_mismatch(models::family_named(m.family), g);
  require(why.empty(), {"model.family"}, "model.family " + m.family + ": " + why);
}

}  // namespace

models::GPTConfig gpt_config(const ModelSection& m, int64_t vocab_size) {
  models::GPTConfig c;
  c.vocab_size = vocab_size;
  c.vocab_multiple = m.vocab_multiple;
  c.block_size = m.block_size;
  c.n_layer = m.n_layer;
  c.n_head = m.n_head;
  c.n_kv_head = m.n_kv_head > 0 ? m.n_kv_head : m.n_head;
  c.n_embd = m.n_embd;
  c.head_size = m.head_dim;
  c.ffn_hidden = m.ffn_hidden;
  c.dropout = m.dropout;
  c.bias = m.bias;
  c.qkv_bias = m.qkv_bias;
  c.qk_norm = m.qk_norm;
  c.post_norms = m.post_norms;
  c.scale_embeddings = m.scale_embeddings;
  c.tie_embeddings = m.tie_embeddings;
  c.position = choice<models::PositionEncoding>("model.position", m.position,
                      {{"learned", models::PositionEncoding::kLearned},
                       {"sinusoidal", models::PositionEncoding::kSinusoidal},
                       {"rope", models::PositionEncoding::kRotary}});
  c.rope_theta = m.rope_theta;
  auto& s = c.rope_scaling;
  s.kind = choice<models::RopeScalingKind>("model.rope_scaling", m.rope_scaling,
                  {{"none", models::RopeScalingKind::kNone}, {"linear", models::RopeScalingKind::kLinear},
                   {"llama3", models::RopeScalingKind::kLlama3}, {"yarn", models::RopeScalingKind::kYarn}});
  s.factor = m.rope_factor;
  s.original_context = m.rope_original_context;
  s.low_freq_factor = m.rope_low_freq_factor;
  s.high_freq_factor = m.rope_high_freq_factor;
  s.beta_fast = m.rope_beta_fast;
  s.beta_slow = m.rope_beta_slow;
  s.attention_factor = m.rope_attention_factor;
  c.rope_local_theta = m.rope_local_theta;
  c.query_pre_attn_scalar = m.query_pre_attn_scalar;
  c.attn_softcap = m.attn_softcap;
  c.logit_softcap = m.logit_softcap;
  c.sliding_window = m.sliding_window;
  c.global_every = m.global_every;
  c.norm = choice<models::NormKind>("model.norm", m.norm,
                  {{"layernorm", models::NormKind::kLayerNorm}, {"rmsnorm", models::NormKind::kRMSNorm},
                   {"gemma_rmsnorm", models::NormKind::kGemmaRMSNorm}});
  c.norm_eps = m.norm_eps;
  c.activation_checkpointing = m.activation_checkpointing;
  c.mlp = choice<models::MlpKind>("model.mlp", m.mlp,
                 {{"gelu", models::MlpKind::kGelu}, {"gelu_tanh", models::MlpKind::kGeluTanh},
                  {"swiglu", models::MlpKind::kSwiGLU}, {"geglu", models::MlpKind::kGeGLU}});
  return c;
}

ResolvedConfig resolve(const RunConfig& c) {
  ResolvedConfig out;
  out.task = task_kind(c);
  out.device = choice<DeviceChoice>("run.device", c.run.device,
                      {{"auto", DeviceChoice::kAuto}, {"cpu", DeviceChoice::kCpu}, {"cuda", DeviceChoice::kCuda}});
  out.resume =
      choice<ResumeMode>("run.resume", c.run.resume, {{"auto", ResumeMode::kAuto}, {"never", ResumeMode::kNever}});
  out.tokenizer = choice<TokenizerKind>("tokenizer.type", c.tokenizer.type,
                         {{"char", TokenizerKind::kChar}, {"sentencepiece", TokenizerKind::kSentencePiece},
                          {"hf", TokenizerKind::kHf}});
  out.model = gpt_config(c.model, /*vocab_size=*/0);
  out.model.pooling = choice<models::Pooling>("classify.pooling", c.classify.pooling,
                             {{"last", models::Pooling::kLast}, {"mean", models::Pooling::kMean}});
  out.data = data_options(c);
  out.schedule = schedule_options(c);
  out.nonfinite = {choice<training::NonFiniteAction>(
                       "train.nonfinite", c.train.nonfinite,
                       {{"skip", training::NonFiniteAction::kSkip}, {"stop", training::NonFiniteAction::kStop}}),
                   c.train.nonfinite_limit};
  out.eval = eval_options(c);
  out.keep_best = choice<KeepBest>("checkpoint.keep_best", c.checkpoint.keep_best,
                         {{"", KeepBest::kNone}, {"val_loss", KeepBest::kValLoss},
                          {"val_accuracy", KeepBest::kValAccuracy}});
  out.sft_format = choice<data::SftFormat>(
      "sft.format", c.sft.format,
      {{"alpaca", data::SftFormat::kAlpaca}, {"prompt_completion", data::SftFormat::kPromptCompletion},
       {"messages", data::SftFormat::kMessages}, {"chat", data::SftFormat::kChat}});
  out.sft_packing =
      choice<SftPacking>("sft.packing", c.sft.packing, {{"pad", SftPacking::kPad}, {"pack", SftPacking::kPack}});
  out.class_weights = choice<ClassWeights>("classify.class_weights", c.classify.class_weights,
                             {{"none", ClassWeights::kNone}, {"balanced", ClassWeights::kBalanced}});
  out.pair_format = choice<data::PairFormat>("dpo.format", c.dpo.format,
                           {{"prompt", data::PairFormat::kPrompt}, {"dialogue", data::PairFormat::kDialogue},
                            {"messages", data::PairFormat::kMessages}});
  out.preference = preference_options(c.dpo);
  out.dpo_reference = !out.preference.uses_reference() ? DpoReference::kNone
                      : c.dpo.reference == "auto"      ? (c.lora.rank > 0 ? DpoReference::kAdaptersOff : DpoReference::kCopy)
                                                       : choice<DpoReference>("dpo.reference", c.dpo.reference,
                                                                              {{"copy", DpoReference::kCopy},
                                                                               {"adapters_off", DpoReference::kAdaptersOff},
                                                                               {"precomputed", DpoReference::kPrecomputed}});
  return out;
}

void check_relations(const RunConfig& c) {
  const auto& m = c.model;
  require(m.head_dim > 0 || m.n_embd % m.n_head == 0, {"model.n_head", "model.n_embd"},
          "model.n_embd (" + std::to_string(m.n_embd) + ") must be divisible by model.n_head (" +
              std::to_string(m.n_head) + "), or model.head_dim set");
  check_lora_targets(c);
  const ResolvedConfig r = resolve(c);
  require(m.n_head % r.model.n_kv_head == 0, {"model.n_kv_head", "model.n_head"},
          "model.n_head (" + std::to_string(m.n_head) + ") must be divisible by model.n_kv_head (" +
              std::to_string(r.model.n_kv_head) + ")");
  require(!is_rope(m) || r.model.head_dim() % 2 == 0, {"model.position", "model.n_embd"},
          "rope needs an even head dimension (model.n_embd / model.n_head)");
  check_model_features(c, r.model);
  require(r.eval.window <= m.block_size, {"eval.max_length"}, "eval.max_length exceeds model.block_size");
  require(r.eval.stride <= r.eval.window, {"eval.stride", "eval.max_length"},
          "eval.stride exceeds the window length: tokens between windows would never be scored");
  require(r.keep_best == KeepBest::kNone ||
              (c.eval.every > 0 && c.checkpoint.every > 0 && c.checkpoint.every % c.eval.every == 0),
          {"checkpoint.keep_best", "checkpoint.every", "eval.every"},
          "checkpoint.keep_best needs validation at every checkpoint: checkpoint.every a multiple of eval.every");
  require(c.schedule.min_lr <= c.optim.lr, {"schedule.min_lr", "optim.lr"}, "schedule.min_lr must not exceed optim.lr");
  require(r.schedule.kind == ScheduleKind::kConstant || r.schedule.warmup_steps <= r.schedule.decay_steps,
          {"schedule.warmup_steps", "schedule.decay_steps", "train.max_steps"},
          "schedule.warmup_steps (" + std::to_string(r.schedule.warmup_steps) + ") exceeds the decay length (" +
              std::to_string(r.schedule.decay_steps) + ")");
  if (r.task == TaskKind::kDpo) {
    require(!c.model.init_from.empty(), {"task.type", "model.init_from"},
            "task.type dpo tunes a trained model: set model.init_from (its reference is that model)");
    require(r.dpo_reference != DpoReference::kAdaptersOff || c.lora.rank > 0, {"dpo.reference", "lora.rank"},
            "dpo.reference adapters_off needs LoRA adapters (lora.rank > 0)");
  }
}

Precision resolve_precision(const RunConfig& config, c10::Device device) {
  return choice<Precision>("run.precision", config.run.precision,
                {{"auto", device.is_cuda() ? Precision::kBf16 : Precision::kFp32}, {"bf16", Precision::kBf16},
                 {"fp32", Precision::kFp32}});
}

bool resolve_fused_kernels(const RunConfig& config, c10::Device device, bool kernels_built) {
  const Switch setting = switch_of("run.fused_kernels", config.run.fused_kernels);
  if (setting == Switch::kOn && !kernels_built)
    throw std::runtime_error("run.fused_kernels is on, but this anvil was built without its CUDA kernels (it needs "
                             "a CUDA LibTorch and nvcc): set run.fused_kernels=auto or off");
  return setting == Switch::kOn || (setting == Switch::kAuto && device.is_cuda() && kernels_built);
}

namespace {

// Why the training step cannot be recorded as a CUDA graph, or "".
std::string cuda_graphs_conflict(const RunConfig& config, c10::Device device, int world_size, bool graphs_built) {
  if (!device.is_cuda()) return "it needs run.device cuda";
  if (!graphs_built) return "this anvil was built against a LibTorch without CUDA";
  if (world_size > 1) return "it runs one process only (gradients are summed over ranks on the host's schedule)";
  if (config.model.activation_checkpointing > 0)
    return "model.activation_checkpointing recomputes blocks with the host's random state";
  if (!config.optim.fused) return "it needs optim.fused (that AdamW reads its learning rate from the device)";
  return "";
}

}  // namespace

bool resolve_cuda_graphs(const RunConfig& config, c10::Device device, int world_size, bool graphs_built) {
  const Switch setting = switch_of("run.cuda_graphs", config.run.cuda_graphs);
  if (setting == Switch::kOff) return false;
  const auto conflict = cuda_graphs_conflict(config, device, world_size, graphs_built);
  if (setting == Switch::kOn && !conflict.empty()) throw std::runtime_error("run.cuda_graphs is on, but " + conflict);
  return conflict.empty() && (setting == Switch::kOn || task_of(config).keeps_batch_shape());
}

}  // namespace anvil::recipes
