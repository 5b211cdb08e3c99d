#include "models/hf_weights.h"

#include "common/strings.h"

namespace anvil::models {
namespace {

using common::ends_with;

std::string block(int64_t i) { return "blocks." + std::to_string(i) + "."; }

TensorLink one(std::string anvil, std::string hf, std::vector<int64_t> shape) {
  return {{std::move(anvil)}, {}, {{std::move(hf), std::move(shape)}}};
}

std::vector<TensorLink> gpt2_links(const GPTConfig& m, int64_t V) {
  const int64_t C = m.n_embd, F = m.mlp_hidden();
  std::vector<TensorLink> links = {one("token_embedding.weight", "transformer.wte.weight", {V, C}),
                                   one("position_embedding.weight", "transformer.wpe.weight", {m.block_size, C})};
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string h = "transformer.h." + std::to_string(i) + ".", a = block(i);
    for (const auto& [from, to] : {std::pair{"ln_1", "ln_attn"}, {"ln_2", "ln_mlp"}}) {
      links.push_back(one(a + to + ".weight", h + from + ".weight", {C}));
      links.push_back(one(a + to + ".bias", h + from + ".bias", {C}));
      links.back().zeros_if_absent = true;
    }
    // Conv1D stores [in, out]; Linear wants [out, in].
    struct Conv1D {
      const char* hf;
      const char* anvil;
      int64_t in, out;
    };
    for (const auto& [hf, anvil, in, out] : {Conv1D{"attn.c_attn", "attn.qkv", C, 3 * C}, {"attn.c_proj", "attn.proj", C, C},
                                            {"mlp.c_fc", "mlp.fc", C, F}, {"mlp.c_proj", "mlp.proj", F, C}}) {
      links.push_back(one(a + anvil + ".weight", h + hf + ".weight", {in, out}));
      links.back().transposed = true;
      links.push_back(one(a + anvil + ".bias", h + hf + ".bias", {out}));
      links.back().zeros_if_absent = true;
    }
  }
  links.push_back(one("ln_final.weight", "transformer.ln_f.weight", {C}));
  links.push_back(one("ln_final.bias", "transformer.ln_f.bias", {C}));
  links.back().zeros_if_absent = true;
  return links;
}

void add_attention(std::vector<TensorLink>& links, HfFamily family, const GPTConfig& m, const std::string& h,
                   const std::string& a) {
  const int64_t C = m.n_embd, D = m.head_dim(), Q = m.n_head * D, KV = m.kv_heads() * D;
  const std::string s = h + "self_attn.";
  if (family == HfFamily::kPhi3) {
    links.push_back(one(a + "attn.qkv.weight", s + "qkv_proj.weight", {Q + 2 * KV, C}));
  } else {
    links.push_back({{a + "attn.qkv.weight"}, {}, {{s + "q_proj.weight", {Q, C}}, {s + "k_proj.weight", {KV, C}},
                                                   {s + "v_proj.weight", {KV, C}}}});
    if (m.qkv_bias)
      links.push_back({{a + "attn.qkv.bias"}, {}, {{s + "q_proj.bias", {Q}}, {s + "k_proj.bias", {KV}},
                                                   {s + "v_proj.bias", {KV}}}});
  }
  if (m.qk_norm) {
    links.push_back(one(a + "attn.q_norm.weight", s + "q_norm.weight", {D}));
    links.push_back(one(a + "attn.k_norm.weight", s + "k_norm.weight", {D}));
  }
  links.push_back(one(a + "attn.proj.weight", s + "o_proj.weight", {C, Q}));
}

std::vector<TensorLink> llama_like_links(HfFamily family, const GPTConfig& m, int64_t V) {
  const int64_t C = m.n_embd, F = m.mlp_hidden();
  std::vector<TensorLink> links = {one("token_embedding.weight", "model.embed_tokens.weight", {V, C})};
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string h = "model.layers." + std::to_string(i) + ".", a = block(i);
    links.push_back(one(a + "ln_attn.weight", h + "input_layernorm.weight", {C}));
    add_attention(links, family, m, h, a);
    if (m.post_norms) {  // Gemma names its four norms by place
      links.push_back(one(a + "ln_attn_out.weight", h + "post_attention_layernorm.weight", {C}));
      links.push_back(one(a + "ln_mlp.weight", h + "pre_feedforward_layernorm.weight", {C}));
      links.push_back(one(a + "ln_mlp_out.weight", h + "post_feedforward_layernorm.weight", {C}));
    } else {
      links.push_back(one(a + "ln_mlp.weight", h + "post_attention_layernorm.weight", {C}));
    }
    if (family == HfFamily::kPhi3) {
      // gate_up_proj holds the gate's rows, then the up projection's.
      links.push_back({{a + "mlp.gate.weight", a + "mlp.up.weight"}, {F, F}, {{h + "mlp.gate_up_proj.weight", {2 * F, C}}}});
    } else {
      links.push_back(one(a + "mlp.gate.weight", h + "mlp.gate_proj.weight", {F, C}));
      links.push_back(one(a + "mlp.up.weight", h + "mlp.up_proj.weight", {F, C}));
    }
    links.push_back(one(a + "mlp.proj.weight", h + "mlp.down_proj.weight", {C, F}));
  }
  links.push_back(one("ln_final.weight", "model.norm.weight", {C}));
  return links;
}

}  // namespace

std::vector<TensorLink> tensor_links(HfFamily family, const GPTConfig& m) {
  const int64_t V = m.vocab_size > 0 ? m.vocab_size : kAnySize;
  auto links = family == HfFamily::kGpt2 ? gpt2_links(m, V) : llama_like_links(family, m, V);
  if (!m.tie_embeddings) links.push_back(one("lm_head.weight", "lm_head.weight", {V, m.n_embd}));
  return links;
}

bool is_derived_hf_tensor(const std::string& name) {
  return ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias") || ends_with(name, ".rotary_emb.inv_freq");
}

}  // namespace anvil::models
