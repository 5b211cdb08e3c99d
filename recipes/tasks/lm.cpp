// task lm: next-token prediction on text read whole (data.train) or on token
// shards from anvil prepare (data.shards), packed into blocks of one shape.
#include "recipes/tasks/task.h"

namespace anvil::recipes {
namespace {

class LanguageModelling : public Task {
 public:
  RunData load_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) const override {
    return config.data.shards.empty() ? load_text_data(config, std::move(tokenizer))
                                      : load_shard_data(config, std::move(tokenizer));
  }

  Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, int64_t batch,
                      c10::Device device) const override {
    return validate_next_token(model, data, config, batch, device);
  }

  bool keeps_batch_shape() const override { return true; }
};

}  // namespace

const Task& lm_task() {
  static const LanguageModelling task;
  return task;
}

}  // namespace anvil::recipes
