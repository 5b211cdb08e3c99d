#include "recipes/model_builder.h"

#include <algorithm>

#include "models/kernels/cuda_kernels.h"
#include "models/hf_format.h"
#include "models/lora.h"
#include "models/safetensors.h"
#include "training/checkpoint.h"
#include "recipes/checkpoint_config.h"
#include "recipes/resolved_config.h"

namespace anvil::recipes {
using namespace training;
namespace {

bool is_head(const std::string& name) { return name.rfind("score.", 0) == 0; }

// What a fine-tuning start may lack or carry beyond the model: the new head,
// the old LM head, adapters.
bool fresh_or_unused(const std::string& name) {
  return is_head(name) || name.rfind("lm_head.", 0) == 0 || models::is_lora_tensor(name);
}

// The model with its parameters made in `options.dtype` from the start.
models::GPT construct(const models::GPTConfig& config, const ModelBuildOptions& options) {
  const auto saved = c10::get_default_dtype();
  c10::set_default_dtype(c10::scalarTypeToTypeMeta(options.dtype));
  try {
    models::GPT model(config, options.random_init);
    c10::set_default_dtype(saved);
    return model;
  } catch (...) {
    c10::set_default_dtype(saved);
    throw;
  }
}

}  // namespace

models::GPT build_model(const RunConfig& config, int64_t vocab_size, int64_t num_classes, c10::Device device,
                        const ModelBuildOptions& options) {
  auto gpt = resolve(config).model;
  // A Hugging Face model's embedding may have more rows than its tokenizer
  // has tokens (Qwen2.5: 151936 for 151665): the model keeps them all, as
  // transformers does.
  const std::string& from = config.model.init_from;
  if (!from.empty() && models::is_hf_model_dir(from)) {
    const auto architecture = models::read_hf_architecture(from);
    const int64_t rows = architecture.config.vocab_size;
    if (rows > 0 && vocab_size > rows)
      throw std::runtime_error("the tokenizer has " + std::to_string(vocab_size) + " tokens, but '" + from +
                               "/config.json' gives the model a vocab_size of " + std::to_string(rows));
    // Before the model is made: config.json must fit the weights it comes with.
    if (!options.restoring || config.lora.rank > 0) models::check_hf_weights(from, architecture);
    vocab_size = std::max(vocab_size, rows);
  }
  gpt.vocab_size = vocab_size;
  gpt.num_classes = num_classes;
  gpt.fused_ops = resolve_fused_kernels(config, device, kernels::fused_ops_available(device.type()));
  models::GPT model = construct(gpt, options);
  if (!config.model.init_from.empty() && (!options.restoring || config.lora.rank > 0)) {
    check_checkpoint_config(config, from, CheckpointUse::kStartFrom);
    if (models::is_hf_model_dir(from)) {
      models::load_hf_weights(*model, from, models::read_hf_architecture(from), fresh_or_unused);
    } else {
      verify_checksum(from, "model.safetensors");
      models::load_module_file(*model, from + "/model.safetensors", fresh_or_unused);
    }
  }
  if (config.lora.rank > 0) {
    models::LoraConfig lora{config.lora.rank, config.lora.alpha, config.lora.dropout, config.lora.targets};
    models::add_lora(*model, lora);
    for (auto& item : model->named_parameters())
      item.value().set_requires_grad(models::is_lora_tensor(item.key()) || is_head(item.key()));
  }
  model->to(device, options.dtype);  // adapters are made in fp32
  return model;
}

std::vector<torch::Tensor> trainable_parameters(models::GPT& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters())
    if (p.requires_grad()) out.push_back(p);
  return out;
}

models::TensorMap checkpoint_state(models::GPT& model, const RunConfig& config) {
  auto state = models::module_state(*model);
  if (config.lora.rank == 0) return state;
  models::TensorMap trained;
  for (auto& item : model->named_parameters())
    if (item.value().requires_grad()) trained[item.key()] = state.at(item.key());
  return trained;
}

void load_checkpoint_weights(const std::string& checkpoint_dir, models::GPT& model, const RunConfig& config,
                             CheckpointUse use) {
  check_checkpoint_config(config, checkpoint_dir, use);
  if (config.lora.rank == 0) return load_model_weights(checkpoint_dir, model);
  // Frozen tensors came from model.init_from; the checkpoint holds the rest.
  load_model_weights(checkpoint_dir, model, [&](const std::string& name) {
    return !models::is_lora_tensor(name) && !is_head(name);
  });
}

}  // namespace anvil::recipes
