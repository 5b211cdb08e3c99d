#pragma once
// What a run trains the model to do (task.type), behind one interface: the
// data it reads, the head it trains, how it is validated, the prompt a request
// goes in, and whether its batches keep one shape. A new task is one file in
// recipes/tasks/ and one line in recipes/tasks/registry.cpp.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "data/tokenizer.h"
#include "models/gpt.h"
#include "recipes/run_config.h"
#include "recipes/run_data.h"
#include "recipes/validation.h"

namespace anvil::recipes {

// Work a task does on every training batch before the step, with state of
// its own (DPO: the reference model's log-probabilities).
class BatchStage {
 public:
  virtual ~BatchStage() = default;
  virtual void apply(data::Batch& batch) = 0;
};

class Task {
 public:
  virtual ~Task() = default;

  // The run's data, encoded with `tokenizer` (say a checkpoint's), or with the
  // config's when it is null. Errors name the file.
  virtual RunData load_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) const = 0;

  // Classes of the model's classification head for the label set `labels`
  // (empty: not known yet); 0: no such head, the model predicts tokens.
  virtual int64_t num_classes(const std::vector<std::string>& /*labels*/) const { return 0; }

  // What a command reading checkpoint `dir` takes from the config its run
  // saved rather than from the one it was given (a classifier's label set).
  virtual void adopt_checkpoint_settings(RunConfig& /*config*/, const std::string& /*dir*/) const {}

  // The validation every eval.every steps, on all of data.val in batches of
  // `batch` (autocast already set).
  virtual Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, int64_t batch,
                              c10::Device device) const = 0;

  // The text `anvil generate` gives the model for `request` when the model was
  // tuned to answer requests, which it then answers until end of text or of
  // its turn; none: the model continues the request as written.
  virtual std::optional<std::string> answer_prompt(const RunConfig& /*config*/, const data::Tokenizer& /*tokenizer*/,
                                                   const std::string& /*request*/) const {
    return std::nullopt;
  }

  // What each training batch goes through before the step (none: null),
  // made once the model `policy` is restored (`resumed`: from a checkpoint
  // of this run, not at its start); only the `main_rank` writes files.
  virtual std::unique_ptr<BatchStage> batch_stage(const RunConfig& /*config*/, models::GPT& /*policy*/,
                                                  RunData& /*data*/, c10::Device /*device*/, bool /*resumed*/,
                                                  bool /*main_rank*/) const {
    return nullptr;
  }

  // Whether every training batch has one shape, as a CUDA graph's replays need
  // (run.cuda_graphs auto records only such steps).
  virtual bool keeps_batch_shape() const { return false; }
};

// The task task.type names: the one place that tells the tasks apart.
const Task& task_named(const std::string& type);
inline const Task& task_of(const RunConfig& config) { return task_named(config.task.type); }

}  // namespace anvil::recipes
