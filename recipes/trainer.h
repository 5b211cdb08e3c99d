#pragma once
#include <string>

#include "recipes/run_config.h"

namespace anvil::recipes {

struct TrainSummary {
  int64_t steps = 0;
  double final_val_loss = 0.0;
  double final_val_accuracy = 0.0;  // classify
  double seconds = 0.0;
  std::string checkpoint;  // the last one written
};

// Training as the config describes (task lm, sft or classify): builds data,
// tokenizer and model, trains, evaluates and checkpoints into config.run.dir.
TrainSummary train(const RunConfig& config);

}  // namespace anvil::recipes
