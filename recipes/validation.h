#pragma once
// The validation a training run does every eval.every steps, as its task
// measures it: loss and perplexity (and bits per byte where the text's size is
// known), or for a classifier loss, accuracy and macro-F1.
#include <map>
#include <optional>
#include <string>

#include <c10/core/Device.h>

#include "models/gpt.h"
#include "recipes/run_data.h"

namespace anvil::recipes {

struct Validation {
  double loss = 0;
  std::optional<double> accuracy;  // classify
  std::map<std::string, double> values;  // for metrics.jsonl
  std::string line;  // for the log
};

// The task's validation, under run.precision's autocast, in batches of eval.batch_size.
Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, c10::Device device);

// Next-token loss and perplexity over data.val, and bits per byte where known (tasks lm and sft).
Validation validate_next_token(models::GPT& model, const RunData& data, const RunConfig& config, int64_t batch,
                               c10::Device device);

}  // namespace anvil::recipes
