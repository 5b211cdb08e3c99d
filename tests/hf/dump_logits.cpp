// Test helper: logits of a model directory (anvil's config.yaml +
// model.safetensors, or a Hugging Face model read directly) for the given
// token ids, written as safetensors; or with --greedy N, the N tokens greedy
// decoding with the KV cache appends to the ids, printed space-separated.
//   dump_logits MODEL_DIR OUT.safetensors BATCH id id id ...
//   dump_logits MODEL_DIR --greedy N id id id ...
#include <cstdio>
#include <string>
#include <vector>

#include "models/generate.h"
#include "models/gpt.h"
#include "models/hf_format.h"
#include "models/safetensors.h"
#include "recipes/config_loader.h"
#include "recipes/runtime.h"

namespace {

anvil::models::GPT load_model(const std::string& dir) {
  namespace models = anvil::models;
  if (models::is_hf_model_dir(dir)) {
    const auto architecture = models::read_hf_architecture(dir);
    models::GPT model(architecture.config);
    models::load_hf_weights(*model, dir, architecture);
    return model;
  }
  const auto config = anvil::recipes::load_config(dir + "/config.yaml").config;
  const auto state = models::load_safetensors(dir + "/model.safetensors");
  const int64_t vocab = state.at("token_embedding.weight").size(0);
  models::GPT model(anvil::recipes::gpt_config(config.model, vocab));
  models::load_module_state(*model, state, dir);
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: dump_logits MODEL_DIR OUT.safetensors BATCH id ... | MODEL_DIR --greedy N id ...\n");
    return 2;
  }
  auto model = load_model(argv[1]);
  model->eval();
  std::vector<int64_t> ids;
  for (int i = 4; i < argc; ++i) ids.push_back(std::stoll(argv[i]));
  if (std::string(argv[2]) == "--greedy") {
    anvil::models::SamplingOptions greedy;
    greedy.temperature = 0;
    greedy.max_new_tokens = std::stoll(argv[3]);
    const auto out = anvil::models::generate(model, ids, greedy);
    for (size_t i = ids.size(); i < out.size(); ++i) std::printf("%lld ", (long long)out[i]);
    std::printf("\n");
    return 0;
  }
  const int64_t batch = std::stoll(argv[3]);
  const auto tokens = torch::tensor(ids, torch::kLong).view({batch, -1});
  torch::NoGradGuard no_grad;
  anvil::models::save_safetensors(argv[2], {{"logits", model->forward(tokens)}});
  return 0;
}
