#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "models/gpt.h"
#include "models/safetensors.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"
#include "recipes/hf_interop.h"
#include "recipes/runtime.h"

namespace fs = std::filesystem;
using namespace anvil;

namespace {

// A GPT-2 style model of 2 layers, exported to DIR as a Hugging Face model.
models::TensorMap export_tiny_gpt2(const std::string& dir) {
  recipes::ModelSection m;
  m.n_layer = 2;
  m.n_head = 2;
  m.n_embd = 16;
  m.block_size = 8;
  m.bias = true;
  torch::manual_seed(0);
  models::GPT model(recipes::gpt_config(m, 11));
  const auto state = models::module_state(*model);
  recipes::export_hf(m, state, dir);
  return state;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(HfInterop, ImportsAModelShardedWithAnIndex) {
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

  const auto imported = recipes::import_hf(dir.path("hf"));
  EXPECT_EQ(imported.model.n_layer, 2);
  ASSERT_EQ(imported.state.size(), original.size());
  for (const auto& [name, tensor] : original) EXPECT_TRUE(imported.state.at(name).equal(tensor)) << name;
}

// Hugging Face's causal LM classes have no place for a classifier's head or
// for adapters without their base: both are refused, saying what to do.
TEST(HfInterop, ExportRefusesAClassifierAndLoraAdapters) {
  test_support::TempDir dir;
  recipes::ModelSection m;
  m.n_layer = 1;
  m.n_head = 2;
  m.n_embd = 8;
  auto config = recipes::gpt_config(m, 11);
  config.num_classes = 2;
  models::GPT classifier(config);
  const auto head = test_support::error_of([&] { recipes::export_hf(m, models::module_state(*classifier), dir.path("a")); });
  EXPECT_TRUE(contains(head, "this is a classifier (task classify: its 'score' head")) << head;

  const models::TensorMap adapters = {{"blocks.0.attn.qkv.lora_a", torch::zeros({2, 8})}};
  const auto lora = test_support::error_of([&] { recipes::export_hf(m, adapters, dir.path("b")); });
  EXPECT_TRUE(contains(lora, "merge them into the base first with `anvil merge-lora")) << lora;
  EXPECT_FALSE(fs::exists(dir.path("a")) || fs::exists(dir.path("b")));
}

namespace {

// The error import_hf gives for the exported model of export_tiny_gpt2 once
// `edit` has changed its config.json.
std::string import_error_after(const std::function<void(nlohmann::json&)>& edit) {
  test_support::TempDir dir;
  export_tiny_gpt2(dir.path("hf"));
  std::ifstream in(dir.path("hf/config.json"));
  auto config = nlohmann::json::parse(in);
  edit(config);
  dir.write("hf/config.json", config.dump());
  return test_support::error_of([&] { recipes::import_hf(dir.path("hf")); });
}

}  // namespace

// config.json must describe the weights exactly: no tensor left out, none of another shape.
TEST(HfInterop, ImportChecksConfigJsonAgainstTheTensors) {
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
  EXPECT_TRUE(contains(indivisible, "the width 16 is not divisible by the 3 attention heads")) << indivisible;
  const auto array = import_error_after([](auto& c) { c = nlohmann::json::array({c}); });
  EXPECT_TRUE(contains(array, "config.json': expected a JSON object, got array")) << array;
}
