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
  bool preempted = false;  // stopped on a signal (common/stop_signals.h), its state checkpointed
};

// Training as the config describes (task lm, sft or classify): builds data,
// tokenizer and model, trains, evaluates and checkpoints into config.run.dir.
// A stop signal ends the run after the step it arrived in, with a checkpoint.
TrainSummary train(const RunConfig& config);

}  // namespace anvil::recipes
