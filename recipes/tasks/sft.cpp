// task sft: instruction tuning on prompt and response examples (alpaca,
// prompt_completion or chat messages), trained on the response tokens only.
#include "recipes/tasks/task.h"

namespace anvil::recipes {
namespace {

class InstructionTuning : public Task {
 public:
  RunData load_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) const override {
    return load_task_data(config, std::move(tokenizer));
  }

  Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, int64_t batch,
                      c10::Device device) const override {
    return validate_next_token(model, data, config, batch, device);
  }

  std::optional<std::string> answer_prompt(const RunConfig& config, const data::Tokenizer& tokenizer,
                                           const std::string& request) const override {
    return sft_prompt(config, tokenizer, request);
  }
};

}  // namespace

const Task& sft_task() {
  static const InstructionTuning task;
  return task;
}

}  // namespace anvil::recipes
