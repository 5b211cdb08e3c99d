#include <gtest/gtest.h>

#include "recipes/config_loader.h"
#include "recipes/model_section.h"
#include "recipes/runtime.h"

using namespace anvil;

namespace {

// The model section as config.yaml writes it.
std::string yaml_of(const recipes::ModelSection& model) {
  recipes::RunConfig config;
  config.model = model;
  return recipes::to_yaml(config);
}

}  // namespace

// model_section is gpt_config's inverse on every architecture key: an
// imported model's config.yaml builds that same model. gpt_config resolves
// n_kv_head 0 to n_head, so the sections name their key/value heads.
TEST(ModelSection, GivesBackTheSectionGptConfigRead) {
  recipes::ModelSection gpt2;
  gpt2.n_layer = 3;
  gpt2.n_kv_head = gpt2.n_head;
  gpt2.bias = true;
  gpt2.mlp = "gelu_tanh";
  gpt2.dropout = 0.1;
  gpt2.vocab_multiple = 64;
  recipes::ModelSection llama;
  llama.n_kv_head = 2;
  llama.ffn_hidden = 96;
  llama.tie_embeddings = false;
  llama.position = "rope";
  llama.rope_theta = 500000.0;
  llama.norm = "rmsnorm";
  llama.norm_eps = 1e-6;
  llama.mlp = "swiglu";
  llama.activation_checkpointing = 2;
  recipes::ModelSection sinusoidal;
  sinusoidal.n_kv_head = sinusoidal.n_head;
  sinusoidal.position = "sinusoidal";
  for (const auto& section : {gpt2, llama, sinusoidal})
    EXPECT_EQ(yaml_of(recipes::model_section(recipes::gpt_config(section, 100))), yaml_of(section));
}
