// Test helper: logits of an anvil model directory (config.yaml +
// model.safetensors) for the given token ids, written as safetensors.
//   dump_logits MODEL_DIR OUT.safetensors BATCH id id id ...
#include <cstdio>
#include <string>
#include <vector>

#include "models/gpt.h"
#include "models/safetensors.h"
#include "recipes/config_loader.h"
#include "recipes/runtime.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: dump_logits MODEL_DIR OUT.safetensors BATCH id ...\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto config = anvil::recipes::load_config(dir + "/config.yaml").config;
  const auto state = anvil::models::load_safetensors(dir + "/model.safetensors");
  const int64_t vocab = state.at("token_embedding.weight").size(0);
  anvil::models::GPT model(anvil::recipes::gpt_config(config.model, vocab));
  anvil::models::load_module_state(*model, state, dir);
  model->eval();
  std::vector<int64_t> ids;
  for (int i = 4; i < argc; ++i) ids.push_back(std::stoll(argv[i]));
  const int64_t batch = std::stoll(argv[3]);
  const auto tokens = torch::tensor(ids, torch::kLong).view({batch, -1});
  torch::NoGradGuard no_grad;
  anvil::models::save_safetensors(argv[2], {{"logits", model->forward(tokens)}});
  return 0;
}
