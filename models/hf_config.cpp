#include "models/hf_config.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace anvil::models {
namespace {

using nlohmann::json;

struct FamilyInfo {
  HfFamily family;
  const char* name;          // anvil's, model.family
  const char* model_type;    // config.json's
  const char* architecture;  // the transformers class
};

constexpr FamilyInfo kFamilies[] = {
    {HfFamily::kGpt2, "gpt2", "gpt2", "GPT2LMHeadModel"},
    {HfFamily::kLlama, "llama", "llama", "LlamaForCausalLM"},
    {HfFamily::kMistral, "mistral", "mistral", "MistralForCausalLM"},
    {HfFamily::kQwen2, "qwen2", "qwen2", "Qwen2ForCausalLM"},
    {HfFamily::kQwen3, "qwen3", "qwen3", "Qwen3ForCausalLM"},
    {HfFamily::kGemma2, "gemma2", "gemma2", "Gemma2ForCausalLM"},
    {HfFamily::kGemma3, "gemma3", "gemma3_text", "Gemma3ForCausalLM"},
    {HfFamily::kPhi3, "phi3", "phi3", "Phi3ForCausalLM"},
};

const FamilyInfo& info(HfFamily family) {
  for (const auto& f : kFamilies)
    if (f.family == family) return f;
  throw std::logic_error("unknown family");
}

// What a family built on Llama fixes, and which of anvil's options its config.json can set.
struct Traits {
  NormKind norm = NormKind::kRMSNorm;
  MlpKind mlp = MlpKind::kSwiGLU;
  bool qkv_bias = false, qk_norm = false, post_norms = false, scale_embeddings = false;
  bool softcaps = false;        // attn_logit_softcapping, final_logit_softcapping
  bool sliding_window = false;  // sliding_window
  bool layer_pattern = false;   // layer_types mixing sliding and full attention
  bool local_theta = false;     // a rope base of the sliding layers' own
  bool query_scalar = false;    // query_pre_attn_scalar
};

Traits traits(HfFamily family) {
  Traits t;
  switch (family) {
    case HfFamily::kMistral:
    case HfFamily::kPhi3: t.sliding_window = true; break;
    case HfFamily::kQwen2: t.qkv_bias = true; break;
    case HfFamily::kQwen3: t.qk_norm = true; break;
    case HfFamily::kGemma3:
      t.qk_norm = t.local_theta = true;
      [[fallthrough]];
    case HfFamily::kGemma2:
      t.norm = NormKind::kGemmaRMSNorm;
      t.mlp = MlpKind::kGeGLU;
      t.post_norms = t.scale_embeddings = t.softcaps = t.sliding_window = t.layer_pattern = t.query_scalar = true;
      break;
    default: break;
  }
  return t;
}

bool is_gemma(HfFamily f) { return f == HfFamily::kGemma2 || f == HfFamily::kGemma3; }
bool is_qwen(HfFamily f) { return f == HfFamily::kQwen2 || f == HfFamily::kQwen3; }

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
  const Traits t = traits(family);
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

std::string family_mismatch(HfFamily family, const GPTConfig& m) {
  if (family == HfFamily::kGpt2) {
    if (m.norm != NormKind::kLayerNorm) return "its norm is not LayerNorm";
    if (m.gated_mlp()) return "its MLP is gated";
    if (m.position != PositionEncoding::kLearned) return "its positions are not learned";
    if (m.kv_heads() != m.n_head) return "it has grouped-query attention";
    if (m.head_size > 0 || m.qkv_bias || m.qk_norm || m.post_norms || m.scale_embeddings || m.sliding_window > 0 ||
        m.attn_softcap > 0 || m.logit_softcap > 0 || m.query_pre_attn_scalar > 0)
      return "it has features of the Llama families";
    return "";
  }
  const Traits t = traits(family);
  const auto differs = [](bool here, bool there, const std::string& what) {
    return here == there ? std::string() : (here ? "it has " : "it lacks ") + what;
  };
  if (m.norm != t.norm) return is_gemma(family) ? "its norm is not Gemma's RMSNorm" : "its norm is not RMSNorm";
  if (m.mlp != t.mlp) return is_gemma(family) ? "its MLP is not GeGLU" : "its MLP is not SwiGLU";
  if (m.position != PositionEncoding::kRotary) return "its positions are not rope";
  if (m.bias) return "it has biases (model.bias)";
  for (const auto& why : {differs(m.qkv_bias, t.qkv_bias, "q/k/v biases (model.qkv_bias)"),
                          differs(m.qk_norm, t.qk_norm, "q/k norms (model.qk_norm)"),
                          differs(m.post_norms, t.post_norms, "norms after each sublayer (model.post_norms)"),
                          differs(m.scale_embeddings, t.scale_embeddings, "scaled embeddings (model.scale_embeddings)")})
    if (!why.empty()) return why;
  if (!t.softcaps && (m.attn_softcap > 0 || m.logit_softcap > 0)) return "it soft-caps scores or logits";
  if (!t.sliding_window && m.sliding_window > 0) return "it has a sliding window";
  if (!t.layer_pattern && m.global_every > 0) return "it mixes sliding and global layers (model.global_every)";
  if (!t.local_theta && m.rope_local_theta > 0) return "its sliding layers have a RoPE base of their own";
  if (!t.query_scalar && m.query_pre_attn_scalar > 0) return "it scales queries by model.query_pre_attn_scalar";
  return "";
}

namespace {

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

std::vector<std::string> hf_family_names() {
  std::vector<std::string> names;
  for (const auto& f : kFamilies) names.push_back(f.name);
  return names;
}

std::string family_name(HfFamily family) { return info(family).name; }

HfFamily family_named(const std::string& name) {
  std::string known;
  for (const auto& f : kFamilies) {
    if (name == f.name) return f.family;
    known += std::string(known.empty() ? "" : ", ") + f.name;
  }
  throw std::invalid_argument("unknown model family '" + name + "' (" + known + ")");
}

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
  for (const auto& f : kFamilies) {
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

std::string hf_config_json(HfFamily family, const GPTConfig& m, int64_t vocab, const std::string& dtype) {
  const auto why = family_mismatch(family, m);
  if (!why.empty())
    throw std::runtime_error("this model is not a " + family_name(family) + " model (model.family): " + why);
  json c = family == HfFamily::kGpt2 ? gpt2_json(m, vocab) : llama_like_json(family, m, vocab);
  c["architectures"] = {info(family).architecture};
  c["model_type"] = info(family).model_type;
  c["tie_word_embeddings"] = m.tie_embeddings;
  c["torch_dtype"] = c["dtype"] = dtype;  // transformers 4's name, and 5's
  return c.dump(2) + "\n";
}

HfFamily default_family(const GPTConfig& m) {
  for (const auto f : {HfFamily::kGpt2, HfFamily::kLlama, HfFamily::kMistral, HfFamily::kQwen2, HfFamily::kQwen3,
                       HfFamily::kGemma2, HfFamily::kGemma3})
    if (family_mismatch(f, m).empty()) return f;
  throw std::runtime_error("this model matches no Hugging Face family anvil writes: as Llama, " +
                           family_mismatch(HfFamily::kLlama, m));
}

}  // namespace anvil::models
