// config.json -> GPTConfig, each error naming the file and the key.
#include "models/hf_config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "models/hf_families.h"

namespace anvil::models {
namespace {

using nlohmann::json;

// config.json's values, each error naming the file and the key.
struct Reader {
  const json& c;
  std::string path;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw std::runtime_error("'" + path + "': '" + key + "' " + what);
  }
  bool has(const std::string& key) const { return c.contains(key) && !c.at(key).is_null(); }
  int64_t positive(const std::string& key) const {
    if (!has(key) || !c.at(key).is_number_integer() || c.at(key).get<int64_t>() <= 0)
      fail(key, "must be a positive integer, got " + (has(key) ? c.at(key).dump() : std::string("nothing")));
    return c.at(key).get<int64_t>();
  }
  double number(const std::string& key, double otherwise) const {
    if (!has(key)) return otherwise;
    if (!c.at(key).is_number()) fail(key, "must be a number, got " + c.at(key).dump());
    return c.at(key).get<double>();
  }
  bool boolean(const std::string& key, bool otherwise) const {
    if (!has(key)) return otherwise;
    if (!c.at(key).is_boolean()) fail(key, "must be true or false, got " + c.at(key).dump());
    return c.at(key).get<bool>();
  }
  std::string text(const std::string& key, const std::string& otherwise) const {
    if (!has(key)) return otherwise;
    if (!c.at(key).is_string()) fail(key, "must be a string, got " + c.at(key).dump());
    return c.at(key).get<std::string>();
  }
  // A key this family's model has no use for must be absent, null or `neutral`.
  void unsupported(const std::string& key, const std::string& family, const json& neutral = nullptr) const {
    if (has(key) && c.at(key) != neutral)
      fail(key, "is " + c.at(key).dump() + ", which anvil's " + family + " does not implement");
  }
};

// One set of RoPE parameters: transformers 5's rope_parameters (or a
// per-layer-type entry of it), or transformers 4's rope_scaling.
struct Rope {
  double theta = 10000.0;
  RopeScaling scaling;
};

Rope read_rope(const json& p, const std::string& key, double theta, int64_t context, const Reader& r) {
  if (!p.is_object()) r.fail(key, "must be an object, got " + p.dump());
  const Reader rope{p, r.path};
  Rope out;
  out.theta = rope.number("rope_theta", theta);
  if (out.theta <= 0) r.fail(key + ".rope_theta", "must be positive");
  const std::string type = rope.text("rope_type", rope.text("type", "default"));
  auto& s = out.scaling;
  std::set<std::string> allowed = {"rope_type", "type", "rope_theta"};
  if (type == "default") {
  } else if (type == "linear") {
    s.kind = RopeScalingKind::kLinear;
    allowed.insert("factor");
  } else if (type == "llama3") {
    s.kind = RopeScalingKind::kLlama3;
    s.low_freq_factor = rope.number("low_freq_factor", 1.0);
    s.high_freq_factor = rope.number("high_freq_factor", 4.0);
    if (s.low_freq_factor <= 0) r.fail(key + ".low_freq_factor", "must be positive");
    s.original_context = rope.positive("original_max_position_embeddings");
    allowed.insert({"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"});
    if (s.high_freq_factor <= s.low_freq_factor)
      r.fail(key + ".high_freq_factor", "must exceed low_freq_factor");
  } else if (type == "yarn") {
    s.kind = RopeScalingKind::kYarn;
    s.original_context = rope.has("original_max_position_embeddings") ? rope.positive("original_max_position_embeddings")
                                                                        : context;
    s.beta_fast = rope.number("beta_fast", 32.0);
    s.beta_slow = rope.number("beta_slow", 1.0);
    s.attention_factor = rope.number("attention_factor", 0.0);
    if (rope.has("attention_factor") && s.attention_factor <= 0) r.fail(key + ".attention_factor", "must be positive");
    if (s.beta_fast <= 0 || s.beta_slow <= 0 || s.beta_slow >= s.beta_fast)
      r.fail(key + ".beta_fast", "and beta_slow must be positive, beta_slow below beta_fast");
    if (!rope.boolean("truncate", true)) r.fail(key + ".truncate", "false is not implemented");
    allowed.insert({"factor", "original_max_position_embeddings", "beta_fast", "beta_slow", "attention_factor",
                    "truncate"});
  } else {
    r.fail(key + ".rope_type", "'" + type + "' is not implemented (default, linear, llama3, yarn)");
  }
  if (s.kind != RopeScalingKind::kNone) {
    s.factor = rope.number("factor", 0.0);
    if (s.factor <= 0) r.fail(key + ".factor", "must be a positive number");
  }
  for (const auto& [name, value] : p.items()) {
    if (name == "partial_rotary_factor" && value.is_number() && value.get<double>() == 1.0) continue;
    if (!allowed.count(name) && !value.is_null()) r.fail(key + "." + name, "is not implemented for rope type " + type);
  }
  return out;
}

// RoPE as either version of transformers writes it; Gemma 3 also gives its
// sliding layers a base of their own.
void read_rope_settings(HfFamily family, const Reader& r, GPTConfig& m) {
  const bool gemma3 = family == HfFamily::kGemma3;
  const double theta = r.number("rope_theta", gemma3 ? 1e6 : 10000.0);
  if (r.number("partial_rotary_factor", 1.0) != 1.0) r.fail("partial_rotary_factor", "other than 1 is not implemented");
  Rope global, local{gemma3 ? r.number("rope_local_base_freq", 10000.0) : 0.0, {}};
  if (r.has("rope_parameters") && r.has("rope_scaling"))
    r.fail("rope_scaling", "is given beside rope_parameters: one config.json gives RoPE one way");
  if (r.has("rope_parameters")) {
    const auto& p = r.c.at("rope_parameters");
    if (p.is_object() && (p.contains("full_attention") || p.contains("sliding_attention"))) {
      if (!gemma3) r.fail("rope_parameters", "per layer type is implemented for Gemma 3 only");
      if (p.contains("full_attention"))
        global = read_rope(p.at("full_attention"), "rope_parameters.full_attention", theta, m.block_size, r);
      if (p.contains("sliding_attention"))
        local = read_rope(p.at("sliding_attention"), "rope_parameters.sliding_attention", local.theta, m.block_size, r);
    } else {
      global = read_rope(p, "rope_parameters", theta, m.block_size, r);
    }
  } else if (r.has("rope_scaling")) {
    global = read_rope(r.c.at("rope_scaling"), "rope_scaling", theta, m.block_size, r);
  } else {
    global.theta = theta;
  }
  if (local.scaling.kind != RopeScalingKind::kNone)
    r.fail("rope_parameters.sliding_attention", "scaling of the sliding layers' RoPE is not implemented");
  m.rope_theta = global.theta;
  m.rope_scaling = global.scaling;
  m.rope_local_theta = local.theta;
}

// Which layers attend within config.json's sliding_window: layer_types, or
// what each family's older configs imply. anvil runs every layer sliding, or
// every Nth layer global.
void read_attention_layers(HfFamily family, const Traits& t, const Reader& r, GPTConfig& m) {
  const std::string name = family_name(family);
  if (is_qwen(family) && r.boolean("use_sliding_window", false))
    r.fail("use_sliding_window", "is true: Qwen's sliding window on its upper layers is not implemented");
  if (!t.sliding_window || !r.has("sliding_window")) {
    if (!is_qwen(family)) r.unsupported("sliding_window", name);
    if (r.has("layer_types") && !r.c.at("layer_types").is_array()) r.fail("layer_types", "must be a list");
    if (r.has("layer_types"))
      for (const auto& type : r.c.at("layer_types"))
        if (type != "full_attention") r.fail("layer_types", "lists " + type.dump() + ", but sliding_window is unset");
    return;
  }
  std::vector<bool> sliding(m.n_layer, true);
  if (r.has("layer_types")) {
    const auto& types = r.c.at("layer_types");
    if (!types.is_array() || static_cast<int64_t>(types.size()) != m.n_layer)
      r.fail("layer_types", "must list one type for each of the " + std::to_string(m.n_layer) + " layers");
    for (int64_t i = 0; i < m.n_layer; ++i) {
      if (types[i] != "sliding_attention" && types[i] != "full_attention")
        r.fail("layer_types", "lists " + types[i].dump() + " (sliding_attention or full_attention)");
      sliding[i] = types[i] == "sliding_attention";
    }
  } else if (is_gemma(family)) {
    const int64_t every = family == HfFamily::kGemma2 ? 2 : r.has("sliding_window_pattern")
                                                                ? r.positive("sliding_window_pattern")
                                                                : (r.has("_sliding_window_pattern") ? r.positive("_sliding_window_pattern") : 6);
    for (int64_t i = 0; i < m.n_layer; ++i) sliding[i] = (i + 1) % every != 0;
  }
  int64_t first_global = 0;
  while (first_global < m.n_layer && sliding[first_global]) ++first_global;
  if (first_global == 0) return;  // every layer global: no window
  m.sliding_window = r.positive("sliding_window");
  m.global_every = first_global == m.n_layer ? 0 : first_global + 1;
  for (int64_t i = 0; i < m.n_layer; ++i)
    if (sliding[i] != m.sliding(i))
      r.fail("layer_types", "mixes sliding and full attention in a pattern anvil does not implement (every layer "
                            "sliding, or every Nth layer full)");
  if (m.global_every > 0 && !t.layer_pattern) r.fail("layer_types", "mixes sliding and full attention, which " + name + " does not");
}

GPTConfig read_llama_like(HfFamily family, const Reader& r) {
  const Traits t = family_traits(family);
  const std::string name = family_name(family);
  GPTConfig m;
  m.n_layer = r.positive("num_hidden_layers");
  m.n_head = r.positive("num_attention_heads");
  m.n_kv_head = r.has("num_key_value_heads") ? r.positive("num_key_value_heads") : m.n_head;
  m.n_embd = r.positive("hidden_size");
  m.ffn_hidden = r.positive("intermediate_size");
  m.block_size = r.positive("max_position_embeddings");
  if (r.has("head_dim")) {
    const int64_t head_dim = r.positive("head_dim");
    if (m.n_embd % m.n_head != 0 || head_dim != m.n_embd / m.n_head) m.head_size = head_dim;
  } else if (m.n_embd % m.n_head != 0) {
    r.fail("hidden_size", "is not divisible by num_attention_heads, and no head_dim is given");
  }
  if (m.n_head % m.n_kv_head != 0) r.fail("num_key_value_heads", "must divide num_attention_heads");
  m.norm_eps = r.number("rms_norm_eps", 1e-6);
  if (m.norm_eps < 0) r.fail("rms_norm_eps", "must not be negative");
  m.norm = t.norm;
  m.mlp = t.mlp;
  m.bias = false;
  m.qkv_bias = t.qkv_bias;
  m.qk_norm = t.qk_norm;
  m.post_norms = t.post_norms;
  m.scale_embeddings = t.scale_embeddings;
  m.position = PositionEncoding::kRotary;
  m.tie_embeddings = r.boolean("tie_word_embeddings", is_gemma(family));
  const std::string act_key = is_gemma(family) && r.has("hidden_activation") ? "hidden_activation" : "hidden_act";
  const std::string act = r.text(act_key, is_gemma(family) ? "gelu_pytorch_tanh" : "silu");
  if (act != (is_gemma(family) ? "gelu_pytorch_tanh" : "silu"))
    r.fail(act_key, "'" + act + "' is not implemented for " + name + " (" +
                        (is_gemma(family) ? "gelu_pytorch_tanh" : "silu") + ")");
  r.unsupported("attention_bias", name, false);
  r.unsupported("mlp_bias", name, false);
  r.unsupported("use_bidirectional_attention", name, false);
  if (t.softcaps) {
    // transformers' Gemma 3 reads no attention cap: one set there is an error, not a silently different model.
    if (family == HfFamily::kGemma3) r.unsupported("attn_logit_softcapping", name);
    m.attn_softcap = r.number("attn_logit_softcapping", 0.0);
    m.logit_softcap = r.number("final_logit_softcapping", 0.0);
    if (m.attn_softcap < 0) r.fail("attn_logit_softcapping", "must be positive");
    if (m.logit_softcap < 0) r.fail("final_logit_softcapping", "must be positive");
  } else {
    r.unsupported("attn_logit_softcapping", name);
    r.unsupported("final_logit_softcapping", name);
  }
  if (t.query_scalar) {
    m.query_pre_attn_scalar = r.number("query_pre_attn_scalar", static_cast<double>(m.head_dim()));
    if (m.query_pre_attn_scalar <= 0) r.fail("query_pre_attn_scalar", "must be positive");
    if (m.query_pre_attn_scalar == static_cast<double>(m.head_dim())) m.query_pre_attn_scalar = 0;
  } else {
    r.unsupported("query_pre_attn_scalar", name);
  }
  read_attention_layers(family, t, r, m);
  read_rope_settings(family, r, m);
  if (!t.local_theta || m.rope_local_theta == m.rope_theta) m.rope_local_theta = 0;
  if (m.head_dim() % 2 != 0) r.fail("head_dim", "must be even for rotary positions");
  m.vocab_size = r.has("vocab_size") ? r.positive("vocab_size") : 0;
  return m;
}

GPTConfig read_gpt2(const Reader& r) {
  GPTConfig m;
  m.n_layer = r.positive("n_layer");
  m.n_head = r.positive("n_head");
  m.n_embd = r.positive("n_embd");
  m.block_size = r.positive("n_positions");
  if (r.has("n_inner")) m.ffn_hidden = r.positive("n_inner");
  if (m.n_embd % m.n_head != 0) r.fail("n_embd", "is not divisible by n_head");
  m.norm_eps = r.number("layer_norm_epsilon", 1e-5);
  const std::string act = r.text("activation_function", "gelu_new");
  if (act != "gelu_new" && act != "gelu") r.fail("activation_function", "'" + act + "' is not implemented (gelu_new, gelu)");
  m.mlp = act == "gelu" ? MlpKind::kGelu : MlpKind::kGeluTanh;
  r.unsupported("scale_attn_weights", "gpt2", true);
  r.unsupported("scale_attn_by_inverse_layer_idx", "gpt2", false);
  if (m.norm_eps < 0) r.fail("layer_norm_epsilon", "must not be negative");
  m.bias = true;
  m.tie_embeddings = r.boolean("tie_word_embeddings", true);
  m.position = PositionEncoding::kLearned;
  m.norm = NormKind::kLayerNorm;
  m.vocab_size = r.has("vocab_size") ? r.positive("vocab_size") : 0;
  return m;
}

}  // namespace

HfArchitecture read_hf_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open '" + path + "'");
  json c;
  try {
    c = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error("'" + path + "' is not JSON: " + e.what());
  }
  if (!c.is_object()) throw std::runtime_error("'" + path + "': expected a JSON object, got " + c.type_name());
  const Reader r{c, path};
  const std::string type = r.text("model_type", "");
  std::string known;
  for (const auto& f : families()) {
    known += std::string(known.empty() ? "" : ", ") + f.model_type;
    if (type != f.model_type) continue;
    return {f.family, f.family == HfFamily::kGpt2 ? read_gpt2(r) : read_llama_like(f.family, r)};
  }
  const std::string hint = type == "gemma3" ? " (Gemma 3's multimodal model: anvil reads its text model, gemma3_text)" : "";
  r.fail("model_type", "'" + type + "' is not implemented (" + known + ")" + hint);
}

bool is_hf_model_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  return fs::is_regular_file(fs::path(dir) / "config.json") && !fs::exists(fs::path(dir) / "config.yaml");
}

HfArchitecture read_hf_architecture(const std::string& dir) {
  return read_hf_config((std::filesystem::path(dir) / "config.json").string());
}

}  // namespace anvil::models
