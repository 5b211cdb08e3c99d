#include "recipes/sample_prompts.h"

#include <torch/nn/module.h>

#include "recipes/config_loader.h"
#include "recipes/tasks/task.h"

namespace anvil::recipes {

SamplePrompts::SamplePrompts(const RunConfig& config, const data::Tokenizer& tokenizer) : tokenizer_(&tokenizer) {
  const auto& e = config.eval;
  options_.max_new_tokens = e.sample_tokens;
  options_.temperature = e.sample_temperature;
  options_.top_k = config.generate.top_k;
  options_.top_p = config.generate.top_p;
  options_.seed = static_cast<uint64_t>(e.sample_seed);
  options_.stop_tokens = tokenizer.stop_ids();
  for (size_t i = 0; i < e.sample_prompts.size(); ++i) {
    const std::string& text = e.sample_prompts[i];
    const auto formatted = task_of(config).answer_prompt(config, tokenizer, text);
    std::vector<int32_t> ids;
    try {
      ids = tokenizer.encode(formatted.value_or(text));
    } catch (const std::exception& error) {
      throw ConfigError("eval.sample_prompts[" + std::to_string(i) + "]: " + error.what());
    }
    if (ids.empty())
      throw ConfigError("eval.sample_prompts[" + std::to_string(i) + "] is empty: the model needs a token to continue");
    prompts_.push_back({text, {ids.begin(), ids.end()}});
  }
}

std::vector<training::GeneratedSample> SamplePrompts::generate(models::GPT& model) const {
  std::vector<training::GeneratedSample> samples;
  const bool training = model->is_training();
  model->eval();
  for (const auto& prompt : prompts_) {
    auto tokens = models::generate(model, prompt.ids, options_);
    std::vector<int32_t> generated(tokens.begin() + static_cast<std::ptrdiff_t>(prompt.ids.size()), tokens.end());
    if (!generated.empty() && models::is_stop_token(options_, generated.back())) generated.pop_back();
    samples.push_back({prompt.text, tokenizer_->decode(generated)});
  }
  model->train(training);
  return samples;
}

}  // namespace anvil::recipes
