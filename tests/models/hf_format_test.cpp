#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "models/gpt.h"
#include "models/hf_format.h"
#include "models/safetensors.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tiny_model.h"

namespace fs = std::filesystem;
using namespace anvil;

namespace {

// A GPT-2 style model of 2 layers, exported to DIR as a Hugging Face model.
models::TensorMap export_tiny_gpt2(const std::string& dir) {
  const auto config = test_support::tiny_gpt_config(11, 8, 2, 2, 16);
  torch::manual_seed(0);
  models::GPT model(config);
  const auto state = models::module_state(*model);
  models::export_hf(config, state, dir);
  return state;
}

// A Llama style model: RMSNorm, SwiGLU, rotary positions, no biases, and 2 key/value heads for 4 query heads.
models::GPTConfig tiny_llama_config() {
  auto c = test_support::tiny_gpt_config(13, 8, 2, 4, 16);
  c.n_kv_head = 2;
  c.ffn_hidden = 24;
  c.bias = false;
  c.tie_embeddings = false;
  c.position = models::PositionEncoding::kRotary;
  c.rope_theta = 500.0;
  c.norm = models::NormKind::kRMSNorm;
  c.norm_eps = 1e-6;
  c.mlp = models::MlpKind::kSwiGLU;
  return c;
}

void expect_same_architecture(const models::GPTConfig& a, const models::GPTConfig& b) {
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.block_size, b.block_size);
  EXPECT_EQ(a.n_layer, b.n_layer);
  EXPECT_EQ(a.n_head, b.n_head);
  EXPECT_EQ(a.kv_heads(), b.kv_heads());
  EXPECT_EQ(a.n_embd, b.n_embd);
  EXPECT_EQ(a.mlp_hidden(), b.mlp_hidden());
  EXPECT_EQ(a.bias, b.bias);
  EXPECT_EQ(a.tie_embeddings, b.tie_embeddings);
  EXPECT_EQ(a.position, b.position);
  EXPECT_EQ(a.rope_theta, b.rope_theta);
  EXPECT_EQ(a.norm, b.norm);
  EXPECT_EQ(a.norm_eps, b.norm_eps);
  EXPECT_EQ(a.mlp, b.mlp);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

// Both directions of each layout: GPT-2's Conv1D weights are stored transposed,
// Llama's q, k and v are three tensors where anvil has one qkv.
TEST(HfFormat, ExportThenImportGivesBackTheModel) {
  auto gpt2 = test_support::tiny_gpt_config(11, 8, 2, 2, 16);
  gpt2.tie_embeddings = false;
  gpt2.mlp = models::MlpKind::kGeluTanh;
  for (const auto& config : {gpt2, tiny_llama_config()}) {
    const bool llama = config.mlp == models::MlpKind::kSwiGLU;
    SCOPED_TRACE(llama ? "llama" : "gpt2");
    test_support::TempDir dir;
    torch::manual_seed(0);
    models::GPT model(config);
    const auto state = models::module_state(*model);
    models::export_hf(config, state, dir.path("hf"));

    const auto hf = models::load_safetensors(dir.path("hf/model.safetensors"));
    const auto& qkv = state.at("blocks.1.attn.qkv.weight");
    if (llama) {
      EXPECT_TRUE(hf.at("model.layers.1.self_attn.q_proj.weight").equal(qkv.narrow(0, 0, 16)));
      EXPECT_TRUE(hf.at("model.layers.1.self_attn.k_proj.weight").equal(qkv.narrow(0, 16, 8)));
      EXPECT_TRUE(hf.at("model.layers.1.self_attn.v_proj.weight").equal(qkv.narrow(0, 24, 8)));
    } else {
      EXPECT_TRUE(hf.at("transformer.h.1.attn.c_attn.weight").equal(qkv.t()));
    }

    const auto imported = models::import_hf(dir.path("hf"));
    EXPECT_EQ(imported.family, llama ? models::HfFamily::kLlama : models::HfFamily::kGpt2);
    expect_same_architecture(imported.config, config);
    ASSERT_EQ(imported.state.size(), state.size());
    for (const auto& [name, tensor] : state) EXPECT_TRUE(imported.state.at(name).equal(tensor)) << name;
  }
}

TEST(HfFormat, ImportsAModelShardedWithAnIndex) {
  test_support::TempDir dir;
  const auto original = export_tiny_gpt2(dir.path("hf"));
  // Split the weights as transformers does: two shards and an index naming each tensor's file.
  const auto all = models::load_safetensors(dir.path("hf/model.safetensors"));
  fs::remove(dir.path("hf/model.safetensors"));
  models::TensorMap first, second;
  nlohmann::json weight_map = nlohmann::json::object();
  for (const auto& [name, tensor] : all) {
    const bool early = first.size() < all.size() / 2;
    (early ? first : second)[name] = tensor;
    weight_map[name] = early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  models::save_safetensors(dir.path("hf/model-00001-of-00002.safetensors"), first);
  models::save_safetensors(dir.path("hf/model-00002-of-00002.safetensors"), second);
  dir.write("hf/model.safetensors.index.json", nlohmann::json{{"weight_map", weight_map}}.dump());

  const auto imported = models::import_hf(dir.path("hf"));
  EXPECT_EQ(imported.config.n_layer, 2);
  ASSERT_EQ(imported.state.size(), original.size());
  for (const auto& [name, tensor] : original) EXPECT_TRUE(imported.state.at(name).equal(tensor)) << name;
}

// Hugging Face's causal LM classes have no place for a classifier's head or
// for adapters without their base: both are refused, saying what to do.
TEST(HfFormat, ExportRefusesAClassifierAndLoraAdapters) {
  test_support::TempDir dir;
  auto config = test_support::tiny_gpt_config(11, 64, 1, 2, 8);
  config.bias = false;
  config.num_classes = 2;
  models::GPT classifier(config);
  const auto head =
      test_support::error_of([&] { models::export_hf(config, models::module_state(*classifier), dir.path("a")); });
  EXPECT_TRUE(contains(head, "this is a classifier (task classify: its 'score' head")) << head;

  const models::TensorMap adapters = {{"blocks.0.attn.qkv.lora_a", torch::zeros({2, 8})}};
  const auto lora = test_support::error_of([&] { models::export_hf(config, adapters, dir.path("b")); });
  EXPECT_TRUE(contains(lora, "merge them into the base first with `anvil merge-lora")) << lora;
  EXPECT_FALSE(fs::exists(dir.path("a")) || fs::exists(dir.path("b")));
}

namespace {

// The error import_hf gives for the exported model of export_tiny_gpt2 (or of
// a tiny Llama) once `edit` has changed its config.json.
std::string import_error_after(const std::function<void(nlohmann::json&)>& edit, bool llama = false) {
  test_support::TempDir dir;
  if (llama) {
    const auto config = tiny_llama_config();
    models::GPT model(config);
    models::export_hf(config, models::module_state(*model), dir.path("hf"));
  } else {
    export_tiny_gpt2(dir.path("hf"));
  }
  std::ifstream in(dir.path("hf/config.json"));
  auto config = nlohmann::json::parse(in);
  edit(config);
  dir.write("hf/config.json", config.dump());
  return test_support::error_of([&] { models::import_hf(dir.path("hf")); });
}

}  // namespace

// config.json must describe the weights exactly: no tensor left out, none of another shape.
TEST(HfFormat, ImportChecksConfigJsonAgainstTheTensors) {
  const auto fewer_layers = import_error_after([](auto& c) { c["n_layer"] = 1; });
  EXPECT_TRUE(contains(fewer_layers, "tensor(s) are not part of the model config.json describes")) << fewer_layers;
  EXPECT_TRUE(contains(fewer_layers, "'transformer.h.1.")) << fewer_layers;
  const auto wider = import_error_after([](auto& c) { c["n_embd"] = 24; });
  EXPECT_TRUE(contains(wider, "tensor 'transformer.wte.weight' has shape [11, 16], but config.json implies [11, 24]"))
      << wider;
  const auto vocab = import_error_after([](auto& c) { c["vocab_size"] = 10; });
  EXPECT_TRUE(contains(vocab, "tensor 'transformer.wte.weight' has shape [11, 16], but config.json implies [10, 16]"))
      << vocab;
  const auto no_heads = import_error_after([](auto& c) { c["n_head"] = 0; });
  EXPECT_TRUE(contains(no_heads, "config.json': 'n_head' must be a positive integer, got 0")) << no_heads;
  const auto negative = import_error_after([](auto& c) { c["n_layer"] = -1; });
  EXPECT_TRUE(contains(negative, "'n_layer' must be a positive integer, got -1")) << negative;
  const auto indivisible = import_error_after([](auto& c) { c["n_head"] = 3; });
  EXPECT_TRUE(contains(indivisible, "config.json': 'n_embd' is not divisible by n_head")) << indivisible;
  const auto array = import_error_after([](auto& c) { c = nlohmann::json::array({c}); });
  EXPECT_TRUE(contains(array, "config.json': expected a JSON object, got array")) << array;
}

// A setting anvil does not implement is an error naming the key and the
// file, never a silently different model.
TEST(HfFormat, ImportRefusesWhatAnvilDoesNotImplement) {
  const auto rope = import_error_after([](auto& c) { c["rope_scaling"] = {{"rope_type", "dynamic"}, {"factor", 2.0}}; },
                                       /*llama=*/true);
  EXPECT_TRUE(contains(rope, "config.json': 'rope_scaling.rope_type' 'dynamic' is not implemented (default, linear, "
                             "llama3, yarn)")) << rope;
  const auto softcap = import_error_after([](auto& c) { c["attn_logit_softcapping"] = 50.0; }, true);
  EXPECT_TRUE(contains(softcap, "'attn_logit_softcapping' is 50.0, which anvil's llama does not implement")) << softcap;
  const auto act = import_error_after([](auto& c) { c["hidden_act"] = "gelu"; }, true);
  EXPECT_TRUE(contains(act, "'hidden_act' 'gelu' is not implemented for llama (silu)")) << act;
  const auto mscale = import_error_after([](auto& c) {
    c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}, {"mscale", 0.7}};
  }, true);
  EXPECT_TRUE(contains(mscale, "'rope_scaling.mscale' is not implemented for rope type yarn")) << mscale;
  const auto family = import_error_after([](auto& c) { c["model_type"] = "mixtral"; }, true);
  EXPECT_TRUE(contains(family, "'model_type' 'mixtral' is not implemented (gpt2, llama, mistral")) << family;
  const auto window = import_error_after([](auto& c) { c["sliding_window"] = 4; }, true);
  EXPECT_TRUE(contains(window, "'sliding_window' is 4, which anvil's llama does not implement")) << window;
  const auto both = import_error_after([](auto& c) {
    c["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 500.0}};
    c["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 4.0}};
  }, true);
  EXPECT_TRUE(contains(both, "'rope_scaling' is given beside rope_parameters")) << both;
  const auto unscaled = import_error_after([](auto& c) { c["scale_attn_weights"] = false; });
  EXPECT_TRUE(contains(unscaled, "'scale_attn_weights' is false, which anvil's gpt2 does not implement")) << unscaled;
  const auto layers = import_error_after([](auto& c) { c["num_hidden_layers"] = 1000000000; }, true);
  EXPECT_TRUE(contains(layers, "config.json' has 1000000000 layers, more than the")) << layers;
  const auto eps = import_error_after([](auto& c) { c["rms_norm_eps"] = -1.0; }, true);
  EXPECT_TRUE(contains(eps, "'rms_norm_eps' must not be negative")) << eps;
}

// A tied model whose file also holds a head that differs from the embedding
// is no tied model (transformers would use the head); integer "weights" are none.
TEST(HfFormat, ImportChecksWhatTheTensorsHold) {
  test_support::TempDir dir;
  auto config = tiny_llama_config();
  config.tie_embeddings = true;
  models::GPT model(config);
  auto state = models::module_state(*model);
  models::export_hf(config, state, dir.path("hf"));
  auto weights = models::load_safetensors(dir.path("hf/model.safetensors"));
  weights["lm_head.weight"] = weights.at("model.embed_tokens.weight") + 1;
  models::save_safetensors(dir.path("hf/model.safetensors"), weights);
  const auto head = test_support::error_of([&] { models::import_hf(dir.path("hf")); });
  EXPECT_TRUE(contains(head, "config.json ties the embeddings (tie_word_embeddings), but lm_head.weight differs")) << head;
  weights["lm_head.weight"] = weights.at("model.embed_tokens.weight").clone();
  weights["model.norm.weight"] = weights.at("model.norm.weight").to(torch::kInt);
  models::save_safetensors(dir.path("hf/model.safetensors"), weights);
  const auto integer = test_support::error_of([&] { models::import_hf(dir.path("hf")); });
  EXPECT_TRUE(contains(integer, "tensor 'model.norm.weight' is Int, not a floating-point weight")) << integer;
}

// Past max_shard_bytes the weights go to numbered shards with an index, as
// save_pretrained writes them, and read back whole.
TEST(HfFormat, ExportShardsLargeWeightsAndImportsThemBack) {
  test_support::TempDir dir;
  const auto config = tiny_llama_config();
  torch::manual_seed(0);
  models::GPT model(config);
  const auto state = models::module_state(*model);
  models::HfExportOptions options;
  options.max_shard_bytes = 2000;
  options.dtype = torch::kBFloat16;
  models::export_hf(config, state, dir.path("hf"), options);
  EXPECT_FALSE(fs::exists(dir.path("hf/model.safetensors")));
  std::ifstream in(dir.path("hf/model.safetensors.index.json"));
  const auto index = nlohmann::json::parse(in);
  std::set<std::string> shards;
  for (const auto& [name, file] : index["weight_map"].items()) shards.insert(file.get<std::string>());
  EXPECT_GT(shards.size(), 2u);
  EXPECT_TRUE(shards.count("model-00001-of-0000" + std::to_string(shards.size()) + ".safetensors"));
  const auto imported = models::import_hf(dir.path("hf"));
  ASSERT_EQ(imported.state.size(), state.size());
  for (const auto& [name, tensor] : state) {
    EXPECT_EQ(imported.state.at(name).scalar_type(), torch::kBFloat16) << name;
    EXPECT_TRUE(imported.state.at(name).equal(tensor.to(torch::kBFloat16))) << name;
  }
}

// Each family's exported config.json names its own class, and a model
// without a family's features is refused as that family.
TEST(HfFormat, ExportWritesTheFamilyItIsAskedFor) {
  auto qwen = tiny_llama_config();
  qwen.qkv_bias = true;
  EXPECT_EQ(models::default_family(qwen), models::HfFamily::kQwen2);
  test_support::TempDir dir;
  models::GPT model(qwen);
  models::export_hf(qwen, models::module_state(*model), dir.path("qwen"));
  std::ifstream in(dir.path("qwen/config.json"));
  EXPECT_EQ(nlohmann::json::parse(in)["architectures"][0], "Qwen2ForCausalLM");
  models::HfExportOptions as_gemma;
  as_gemma.family = models::HfFamily::kGemma2;
  const auto error = test_support::error_of(
      [&] { models::export_hf(qwen, models::module_state(*model), dir.path("gemma"), as_gemma); });
  EXPECT_TRUE(contains(error, "this model is not a gemma2 model (model.family): its norm is not Gemma's RMSNorm")) << error;
}
