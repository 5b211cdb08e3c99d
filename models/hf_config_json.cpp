// GPTConfig -> the config.json transformers loads.
#include <cmath>

#include <nlohmann/json.hpp>

#include "models/hf_config.h"
#include "models/hf_families.h"

namespace anvil::models {
namespace {

using nlohmann::json;

json rope_scaling_json(const RopeScaling& s) {
  switch (s.kind) {
    case RopeScalingKind::kNone: return nullptr;
    case RopeScalingKind::kLinear: return {{"rope_type", "linear"}, {"factor", s.factor}};
    case RopeScalingKind::kLlama3:
      return {{"rope_type", "llama3"}, {"factor", s.factor}, {"low_freq_factor", s.low_freq_factor},
              {"high_freq_factor", s.high_freq_factor}, {"original_max_position_embeddings", s.original_context}};
    case RopeScalingKind::kYarn: {
      json out = {{"rope_type", "yarn"}, {"factor", s.factor}, {"beta_fast", s.beta_fast}, {"beta_slow", s.beta_slow},
                  {"original_max_position_embeddings", s.original_context}};
      if (s.attention_factor > 0) out["attention_factor"] = s.attention_factor;
      return out;
    }
  }
  return nullptr;
}

// transformers 5 checks types: an integral setting such as query_pre_attn_scalar must be written as one.
json integer_if_whole(double v) {
  return v == std::floor(v) && std::abs(v) < 9e15 ? json(static_cast<int64_t>(v)) : json(v);
}

json gpt2_json(const GPTConfig& m, int64_t vocab) {
  return {{"n_positions", m.block_size}, {"n_ctx", m.block_size}, {"n_embd", m.n_embd}, {"n_layer", m.n_layer},
          {"n_head", m.n_head}, {"n_inner", m.mlp_hidden()}, {"vocab_size", vocab},
          {"activation_function", m.mlp == MlpKind::kGelu ? "gelu" : "gelu_new"}, {"layer_norm_epsilon", m.norm_eps},
          {"resid_pdrop", 0.0}, {"embd_pdrop", 0.0}, {"attn_pdrop", 0.0}};
}

json llama_like_json(HfFamily family, const GPTConfig& m, int64_t vocab) {
  const double head_dim = static_cast<double>(m.head_dim());
  json c = {{"vocab_size", vocab}, {"hidden_size", m.n_embd}, {"intermediate_size", m.mlp_hidden()},
            {"num_hidden_layers", m.n_layer}, {"num_attention_heads", m.n_head}, {"num_key_value_heads", m.kv_heads()},
            {"head_dim", m.head_dim()}, {"max_position_embeddings", m.block_size}, {"rms_norm_eps", m.norm_eps},
            {"attention_dropout", 0.0}, {"pad_token_id", nullptr}};
  // rope_theta and rope_scaling: transformers 5 converts them, and 4 reads nothing else.
  c["rope_theta"] = m.rope_theta;
  c["rope_scaling"] = rope_scaling_json(m.rope_scaling);
  if (is_gemma(family)) {
    c["hidden_activation"] = "gelu_pytorch_tanh";
    c["query_pre_attn_scalar"] = integer_if_whole(m.query_pre_attn_scalar > 0 ? m.query_pre_attn_scalar : head_dim);
    c["attn_logit_softcapping"] = m.attn_softcap > 0 ? json(m.attn_softcap) : json(nullptr);
    c["final_logit_softcapping"] = m.logit_softcap > 0 ? json(m.logit_softcap) : json(nullptr);
    c["attention_bias"] = false;
  } else {
    c["hidden_act"] = "silu";
  }
  if (family == HfFamily::kGemma3) c["rope_local_base_freq"] = m.rope_local_theta > 0 ? m.rope_local_theta : m.rope_theta;
  if (family == HfFamily::kLlama) c.update({{"attention_bias", false}, {"mlp_bias", false}});
  if (family == HfFamily::kQwen3) c["attention_bias"] = false;
  if (is_qwen(family)) c.update({{"use_sliding_window", false}, {"sliding_window", nullptr}, {"max_window_layers", m.n_layer}});
  if (family == HfFamily::kMistral || family == HfFamily::kPhi3)
    c["sliding_window"] = m.sliding_window > 0 ? json(m.sliding_window) : json(nullptr);
  if (is_gemma(family)) {
    // Every layer global: a window as long as the context, which no layer uses.
    c["sliding_window"] = m.sliding_window > 0 ? m.sliding_window : m.block_size;
    json types = json::array();
    for (int64_t i = 0; i < m.n_layer; ++i) types.push_back(m.sliding(i) ? "sliding_attention" : "full_attention");
    c["layer_types"] = types;
  }
  return c;
}

}  // namespace

std::string hf_config_json(HfFamily family, const GPTConfig& m, int64_t vocab, const std::string& dtype) {
  const auto why = family_mismatch(family, m);
  if (!why.empty())
    throw std::runtime_error("this model is not a " + family_name(family) + " model (model.family): " + why);
  json c = family == HfFamily::kGpt2 ? gpt2_json(m, vocab) : llama_like_json(family, m, vocab);
  c["architectures"] = {family_info(family).architecture};
  c["model_type"] = family_info(family).model_type;
  c["tie_word_embeddings"] = m.tie_embeddings;
  c["torch_dtype"] = c["dtype"] = dtype;  // transformers 4's name, and 5's
  return c.dump(2) + "\n";
}

}  // namespace anvil::models
