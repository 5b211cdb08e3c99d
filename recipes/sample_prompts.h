#pragma once
// eval.sample_prompts: each prompt continued by the model at every
// validation, as nanoGPT shows its samples while it trains.
#include <vector>

#include "data/tokenizer.h"
#include "models/generate.h"
#include "models/gpt.h"
#include "recipes/run_config.h"
#include "training/metrics_log.h"

namespace anvil::recipes {

class SamplePrompts {
 public:
  // Encodes each prompt (in the task's answer format, as anvil generate
  // does); a prompt the tokenizer cannot encode is a ConfigError naming it.
  SamplePrompts(const RunConfig& config, const data::Tokenizer& tokenizer);

  bool empty() const { return prompts_.empty(); }
  // The same seed each time, so validations differ only by the weights.
  std::vector<training::GeneratedSample> generate(models::GPT& model) const;

 private:
  struct Prompt {
    std::string text;
    std::vector<int64_t> ids;
  };
  std::vector<Prompt> prompts_;
  const data::Tokenizer* tokenizer_ = nullptr;
  models::SamplingOptions options_;
};

}  // namespace anvil::recipes
