#include "models/hf_format.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "models/lora.h"

namespace anvil::models {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

// config.json and the shard index are JSON objects; anything else is an error naming the file.
json read_json_object(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open '" + path.string() + "'");
  json parsed;
  try {
    parsed = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error("'" + path.string() + "' is not JSON: " + e.what());
  }
  if (!parsed.is_object())
    throw std::runtime_error("'" + path.string() + "': expected a JSON object, got " + parsed.type_name());
  return parsed;
}

TensorMap read_weights(const fs::path& dir) {
  if (fs::exists(dir / "model.safetensors")) return load_safetensors((dir / "model.safetensors").string());
  const fs::path index = dir / "model.safetensors.index.json";
  if (!fs::exists(index)) throw std::runtime_error("'" + dir.string() + "' has no model.safetensors");
  // Named, so that the parsed index outlives the loop over its weight_map.
  const json parsed = read_json_object(index);
  const auto weight_map = parsed.find("weight_map");
  if (weight_map == parsed.end() || !weight_map->is_object())
    throw std::runtime_error("'" + index.string() + "': expected a 'weight_map' object");
  std::set<std::string> shards;
  for (const auto& [name, file] : weight_map->items()) {
    if (!file.is_string())
      throw std::runtime_error("'" + index.string() + "': weight_map entry '" + name + "' is not a file name");
    shards.insert(file.get<std::string>());
  }
  TensorMap all;
  for (const auto& shard : shards) all.merge(load_safetensors((dir / shard).string()));
  return all;
}

// The shape a tensor must have; kAny where the config does not fix a dimension (the vocabulary).
using Shape = std::vector<int64_t>;
constexpr int64_t kAny = -1;

std::string shape_text(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + (shape[i] == kAny ? "*" : std::to_string(shape[i]));
  return out + "]";
}

// Takes `name` out of `hf`, checking it has the shape config.json implies.
torch::Tensor take(TensorMap& hf, const std::string& name, const Shape& shape, const std::string& dir) {
  const auto it = hf.find(name);
  if (it == hf.end()) throw std::runtime_error("'" + dir + "': tensor '" + name + "' is missing");
  const auto sizes = it->second.sizes();
  bool fits = sizes.size() == shape.size();
  for (size_t i = 0; fits && i < shape.size(); ++i) fits = shape[i] == kAny || shape[i] == sizes[i];
  if (!fits)
    throw std::runtime_error("'" + dir + "': tensor '" + name + "' has shape " + shape_text(sizes.vec()) +
                             ", but config.json implies " + shape_text(shape));
  auto tensor = it->second.to(torch::kFloat);
  hf.erase(it);
  return tensor;
}

// Every tensor of the checkpoint must have found its place: one left over
// means config.json describes less than the weights hold (fewer layers, say).
void check_all_used(const TensorMap& hf, const std::string& dir) {
  if (hf.empty()) return;
  throw std::runtime_error("'" + dir + "': " + std::to_string(hf.size()) + " tensor(s) are not part of the model " +
                           "config.json describes, the first '" + hf.begin()->first +
                           "' (does config.json match the weights?)");
}

// config.json's `key`, which must be a positive integer.
int64_t positive(const json& c, const std::string& key, const std::string& dir) {
  const auto it = c.find(key);
  if (it == c.end() || !it->is_number_integer() || it->get<int64_t>() <= 0)
    throw std::runtime_error("'" + dir + "/config.json': '" + key + "' must be a positive integer, got " +
                             (it == c.end() ? "nothing" : it->dump()));
  return it->get<int64_t>();
}

// Heads must split the width, and key/value heads the query heads.
void check_heads(const GPTConfig& m, const std::string& dir) {
  if (m.n_embd % m.n_head != 0)
    throw std::runtime_error("'" + dir + "/config.json': the width " + std::to_string(m.n_embd) +
                             " is not divisible by the " + std::to_string(m.n_head) + " attention heads");
  if (m.n_kv_head > 0 && m.n_head % m.n_kv_head != 0)
    throw std::runtime_error("'" + dir + "/config.json': the " + std::to_string(m.n_head) +
                             " attention heads are not divisible by the " + std::to_string(m.n_kv_head) +
                             " key/value heads");
}

// The embedding's rows: config.json's vocab_size, where it gives one.
int64_t vocab_rows(const json& c, const std::string& dir) {
  return c.contains("vocab_size") ? positive(c, "vocab_size", dir) : kAny;
}

std::string layer(int64_t i) { return "blocks." + std::to_string(i) + "."; }

// A tied head reads the token embedding (transformers may still save a copy
// of it, which is dropped); an untied one has its own weight.
void take_lm_head(TensorMap& hf, TensorMap& s, const GPTConfig& m, const std::string& dir) {
  if (m.tie_embeddings)
    hf.erase("lm_head.weight");
  else
    s["lm_head.weight"] = take(hf, "lm_head.weight", {m.vocab_size, m.n_embd}, dir);
}

HfModel import_gpt2(const json& c, TensorMap hf, const std::string& dir) {
  HfModel out{"gpt2", {}, {}};
  auto& m = out.config;
  m.n_layer = positive(c, "n_layer", dir);
  m.n_head = positive(c, "n_head", dir);
  m.n_embd = positive(c, "n_embd", dir);
  m.block_size = positive(c, "n_positions", dir);
  if (c.contains("n_inner") && !c["n_inner"].is_null()) m.ffn_hidden = positive(c, "n_inner", dir);
  check_heads(m, dir);
  m.norm_eps = c.value("layer_norm_epsilon", 1e-5);
  const std::string act = c.value("activation_function", "gelu_new");
  if (act != "gelu_new" && act != "gelu") throw std::runtime_error("'" + dir + "': unsupported activation " + act);
  m.mlp = act == "gelu" ? MlpKind::kGelu : MlpKind::kGeluTanh;
  m.bias = true;
  m.tie_embeddings = c.value("tie_word_embeddings", true);
  m.position = PositionEncoding::kLearned;
  m.norm = NormKind::kLayerNorm;
  // GPT2LMHeadModel prefixes "transformer."; a bare GPT2Model does not.
  const std::string p = hf.count("transformer.wte.weight") ? "transformer." : "";
  const int64_t C = m.n_embd, H = m.mlp_hidden();
  auto& s = out.state;
  s["token_embedding.weight"] = take(hf, p + "wte.weight", {vocab_rows(c, dir), C}, dir);
  m.vocab_size = s["token_embedding.weight"].size(0);
  s["position_embedding.weight"] = take(hf, p + "wpe.weight", {m.block_size, C}, dir);
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string h = p + "h." + std::to_string(i) + ".", a = layer(i);
    for (const auto& [from, to] : {std::pair{"ln_1", "ln_attn"}, {"ln_2", "ln_mlp"}}) {
      s[a + to + ".weight"] = take(hf, h + from + ".weight", {C}, dir);
      s[a + to + ".bias"] = take(hf, h + from + ".bias", {C}, dir);
    }
    // GPT-2's Conv1D stores [in, out]; Linear wants [out, in].
    struct Conv1D {
      const char* from;
      const char* to;
      int64_t in, out;
    };
    for (const auto& [from, to, in, width] : {Conv1D{"attn.c_attn", "attn.qkv", C, 3 * C}, {"attn.c_proj", "attn.proj", C, C},
                                              {"mlp.c_fc", "mlp.fc", C, H}, {"mlp.c_proj", "mlp.proj", H, C}}) {
      s[a + to + ".weight"] = take(hf, h + from + ".weight", {in, width}, dir).t().contiguous();
      s[a + to + ".bias"] = take(hf, h + from + ".bias", {width}, dir);
    }
    hf.erase(h + "attn.bias");  // causal-mask buffers of older checkpoints
    hf.erase(h + "attn.masked_bias");
  }
  s["ln_final.weight"] = take(hf, p + "ln_f.weight", {C}, dir);
  s["ln_final.bias"] = take(hf, p + "ln_f.bias", {C}, dir);
  take_lm_head(hf, s, m, dir);
  check_all_used(hf, dir);
  return out;
}

// transformers 5 writes RoPE as rope_parameters {rope_type, rope_theta};
// earlier versions wrote rope_theta (and rope_scaling) at the top level.
double rope_theta(const json& c, const std::string& dir) {
  const auto p = c.find("rope_parameters");
  if (p == c.end() || p->is_null()) return c.value("rope_theta", 10000.0);
  if (!p->is_object()) throw std::runtime_error("'" + dir + "/config.json': rope_parameters is not an object");
  const std::string type = p->value("rope_type", "default");
  if (type != "default")
    throw std::runtime_error("'" + dir + "/config.json': rope_parameters.rope_type '" + type +
                             "' is not supported (default)");
  return p->value("rope_theta", c.value("rope_theta", 10000.0));
}

HfModel import_llama(const json& c, TensorMap hf, const std::string& dir) {
  HfModel out{"llama", {}, {}};
  auto& m = out.config;
  m.n_layer = positive(c, "num_hidden_layers", dir);
  m.n_head = positive(c, "num_attention_heads", dir);
  m.n_kv_head = c.contains("num_key_value_heads") ? positive(c, "num_key_value_heads", dir) : m.n_head;
  m.n_embd = positive(c, "hidden_size", dir);
  m.ffn_hidden = positive(c, "intermediate_size", dir);
  m.block_size = positive(c, "max_position_embeddings", dir);
  check_heads(m, dir);
  m.norm_eps = c.value("rms_norm_eps", 1e-6);
  m.rope_theta = rope_theta(c, dir);
  m.tie_embeddings = c.value("tie_word_embeddings", false);
  m.bias = false;
  m.position = PositionEncoding::kRotary;
  m.norm = NormKind::kRMSNorm;
  m.mlp = MlpKind::kSwiGLU;
  if (c.value("attention_bias", false) || c.value("mlp_bias", false))
    throw std::runtime_error("'" + dir + "': Llama with attention or MLP biases is not supported");
  if (c.contains("rope_scaling") && !c["rope_scaling"].is_null())
    throw std::runtime_error("'" + dir + "': rope_scaling is not supported");
  if (c.contains("head_dim") && !c["head_dim"].is_null() && c["head_dim"].get<int64_t>() != m.n_embd / m.n_head)
    throw std::runtime_error("'" + dir + "': head_dim other than hidden_size / num_attention_heads is not supported");
  const int64_t C = m.n_embd, F = m.ffn_hidden, Q = m.n_head * m.head_dim(), KV = m.kv_heads() * m.head_dim();
  auto& s = out.state;
  s["token_embedding.weight"] = take(hf, "model.embed_tokens.weight", {vocab_rows(c, dir), C}, dir);
  m.vocab_size = s["token_embedding.weight"].size(0);
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string h = "model.layers." + std::to_string(i) + ".", a = layer(i);
    s[a + "ln_attn.weight"] = take(hf, h + "input_layernorm.weight", {C}, dir);
    s[a + "attn.qkv.weight"] = torch::cat({take(hf, h + "self_attn.q_proj.weight", {Q, C}, dir),
                                           take(hf, h + "self_attn.k_proj.weight", {KV, C}, dir),
                                           take(hf, h + "self_attn.v_proj.weight", {KV, C}, dir)});
    s[a + "attn.proj.weight"] = take(hf, h + "self_attn.o_proj.weight", {C, Q}, dir);
    s[a + "ln_mlp.weight"] = take(hf, h + "post_attention_layernorm.weight", {C}, dir);
    s[a + "mlp.gate.weight"] = take(hf, h + "mlp.gate_proj.weight", {F, C}, dir);
    s[a + "mlp.up.weight"] = take(hf, h + "mlp.up_proj.weight", {F, C}, dir);
    s[a + "mlp.proj.weight"] = take(hf, h + "mlp.down_proj.weight", {C, F}, dir);
    hf.erase(h + "self_attn.rotary_emb.inv_freq");
  }
  s["ln_final.weight"] = take(hf, "model.norm.weight", {C}, dir);
  take_lm_head(hf, s, m, dir);
  check_all_used(hf, dir);
  return out;
}

bool is_gpt2_style(const GPTConfig& m) {
  return m.norm == NormKind::kLayerNorm && m.mlp != MlpKind::kSwiGLU && m.position == PositionEncoding::kLearned &&
         m.kv_heads() == m.n_head;
}

bool is_llama_style(const GPTConfig& m) {
  return m.norm == NormKind::kRMSNorm && m.mlp == MlpKind::kSwiGLU && m.position == PositionEncoding::kRotary && !m.bias;
}

// A tensor the export needs, naming it when the weights lack it.
const torch::Tensor& need(const TensorMap& s, const std::string& name) {
  const auto it = s.find(name);
  if (it == s.end())
    throw std::runtime_error("the weights have no tensor '" + name + "', which this model needs");
  return it->second;
}

// Hugging Face's causal LM classes hold a base model and an LM head, nothing else.
void check_exportable(const TensorMap& s) {
  for (const auto& [name, _] : s) {
    if (is_lora_tensor(name))
      throw std::runtime_error("these are LoRA adapters ('" + name +
                               "'), not a whole model: merge them into the base first with "
                               "`anvil merge-lora CONFIG OUT_DIR checkpoint=...`, then export-hf that OUT_DIR");
    if (name.rfind("score.", 0) == 0)
      throw std::runtime_error("this is a classifier (task classify: its 'score' head replaces the LM head); "
                               "export-hf writes causal language models only (GPT2LMHeadModel, LlamaForCausalLM), "
                               "which would drop the head");
  }
}

// GPT-2 always has biases; a bias-free anvil model exports zeros, which compute the same.
torch::Tensor bias_or_zeros(const TensorMap& s, const std::string& name, int64_t size) {
  const auto it = s.find(name);
  return it != s.end() ? it->second : torch::zeros({size});
}

json export_gpt2(const GPTConfig& m, const TensorMap& s, int64_t vocab, TensorMap& hf) {
  const int64_t C = m.n_embd;
  hf["transformer.wte.weight"] = need(s, "token_embedding.weight");
  hf["transformer.wpe.weight"] = need(s, "position_embedding.weight");
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string h = "transformer.h." + std::to_string(i) + ".", a = layer(i);
    for (const auto& [to, from] : {std::pair{"ln_1", "ln_attn"}, {"ln_2", "ln_mlp"}}) {
      hf[h + to + ".weight"] = need(s, a + from + ".weight");
      hf[h + to + ".bias"] = bias_or_zeros(s, a + from + ".bias", C);
    }
    for (const auto& [to, from] : {std::pair{"attn.c_attn", "attn.qkv"}, {"attn.c_proj", "attn.proj"},
                                   {"mlp.c_fc", "mlp.fc"}, {"mlp.c_proj", "mlp.proj"}}) {
      const auto& weight = need(s, a + from + ".weight");
      hf[h + to + ".weight"] = weight.t().contiguous();
      hf[h + to + ".bias"] = bias_or_zeros(s, a + from + ".bias", weight.size(0));
    }
  }
  hf["transformer.ln_f.weight"] = need(s, "ln_final.weight");
  hf["transformer.ln_f.bias"] = bias_or_zeros(s, "ln_final.bias", C);
  if (!m.tie_embeddings) hf["lm_head.weight"] = need(s, "lm_head.weight");
  const int64_t hidden = need(s, layer(0) + "mlp.fc.weight").size(0);
  return {{"architectures", {"GPT2LMHeadModel"}}, {"model_type", "gpt2"}, {"vocab_size", vocab},
          {"n_positions", m.block_size}, {"n_ctx", m.block_size}, {"n_embd", C}, {"n_layer", m.n_layer},
          {"n_head", m.n_head}, {"n_inner", hidden},
          {"activation_function", m.mlp == MlpKind::kGelu ? "gelu" : "gelu_new"}, {"layer_norm_epsilon", m.norm_eps},
          {"resid_pdrop", 0.0}, {"embd_pdrop", 0.0}, {"attn_pdrop", 0.0},
          {"tie_word_embeddings", m.tie_embeddings}, {"torch_dtype", "float32"}};
}

json export_llama(const GPTConfig& m, const TensorMap& s, int64_t vocab, TensorMap& hf) {
  const int64_t D = m.head_dim(), kv = m.kv_heads();
  hf["model.embed_tokens.weight"] = need(s, "token_embedding.weight");
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string h = "model.layers." + std::to_string(i) + ".", a = layer(i);
    const auto qkv = need(s, a + "attn.qkv.weight").split_with_sizes({m.n_head * D, kv * D, kv * D});
    hf[h + "input_layernorm.weight"] = need(s, a + "ln_attn.weight");
    hf[h + "self_attn.q_proj.weight"] = qkv[0].contiguous();
    hf[h + "self_attn.k_proj.weight"] = qkv[1].contiguous();
    hf[h + "self_attn.v_proj.weight"] = qkv[2].contiguous();
    hf[h + "self_attn.o_proj.weight"] = need(s, a + "attn.proj.weight");
    hf[h + "post_attention_layernorm.weight"] = need(s, a + "ln_mlp.weight");
    hf[h + "mlp.gate_proj.weight"] = need(s, a + "mlp.gate.weight");
    hf[h + "mlp.up_proj.weight"] = need(s, a + "mlp.up.weight");
    hf[h + "mlp.down_proj.weight"] = need(s, a + "mlp.proj.weight");
  }
  hf["model.norm.weight"] = need(s, "ln_final.weight");
  if (!m.tie_embeddings) hf["lm_head.weight"] = need(s, "lm_head.weight");
  return {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", vocab},
          {"hidden_size", m.n_embd}, {"intermediate_size", need(s, layer(0) + "mlp.gate.weight").size(0)},
          {"num_hidden_layers", m.n_layer}, {"num_attention_heads", m.n_head}, {"num_key_value_heads", kv},
          {"head_dim", D}, {"max_position_embeddings", m.block_size}, {"rms_norm_eps", m.norm_eps},
          {"rope_theta", m.rope_theta}, {"hidden_act", "silu"}, {"attention_bias", false}, {"mlp_bias", false},
          {"tie_word_embeddings", m.tie_embeddings}, {"torch_dtype", "float32"}};
}

}  // namespace

HfModel import_hf(const std::string& dir) {
  const json config = read_json_object(fs::path(dir) / "config.json");
  try {
    const std::string type = config.value("model_type", "");
    if (type != "gpt2" && type != "llama")
      throw std::runtime_error("'" + dir + "/config.json': model_type '" + type + "' is not supported (gpt2, llama)");
    auto weights = read_weights(dir);
    return type == "gpt2" ? import_gpt2(config, std::move(weights), dir) : import_llama(config, std::move(weights), dir);
  } catch (const json::exception& e) {  // a value of the wrong type
    throw std::runtime_error("'" + dir + "/config.json': " + e.what());
  }
}

void export_hf(const GPTConfig& m, const TensorMap& state, const std::string& dir) {
  check_exportable(state);
  const int64_t vocab = need(state, "token_embedding.weight").size(0);
  TensorMap hf;
  json config;
  if (is_gpt2_style(m))
    config = export_gpt2(m, state, vocab, hf);
  else if (is_llama_style(m))
    config = export_llama(m, state, vocab, hf);
  else
    throw std::runtime_error("this model mixes GPT-2 and Llama features, which no Hugging Face class has");
  fs::create_directories(dir);
  common::publish_file(fs::path(dir) / "config.json", config.dump(2) + "\n");
  save_safetensors((fs::path(dir) / "model.safetensors").string(), hf, {{"format", "pt"}});
}

}  // namespace anvil::models
