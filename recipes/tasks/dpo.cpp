// task dpo: preference tuning on pairs of responses (DPO, IPO, hinge,
// SimPO), against a reference model (recipes/preference_reference);
// validated by the loss and TRL's reward metrics on held-out pairs.
#include <cstdio>

#include <torch/torch.h>

#include "recipes/preference_reference.h"
#include "recipes/resolved_config.h"
#include "recipes/tasks/task.h"
#include "training/preference_loss.h"

namespace anvil::recipes {
namespace {

class PreferenceTuning : public Task {
 public:
  RunData load_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) const override {
    return load_preference_data(config, std::move(tokenizer));
  }

  std::unique_ptr<BatchStage> batch_stage(const RunConfig& config, models::GPT& policy, RunData& data,
                                          c10::Device device, bool resumed, bool main_rank) const override {
    return open_preference_reference(config, policy, data, device, resumed, main_rank);
  }

  // The mean loss and reward metrics over the held-out pairs (eval.batches of them at most), under TRL's
  // eval_ names.
  Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, int64_t batch,
                      c10::Device device) const override {
    torch::NoGradGuard no_grad;
    const bool training = model->is_training();
    model->eval();
    const auto options = resolve(config).preference;
    const auto& pairs = *data.val_pairs;
    if (options.uses_reference() && !pairs.has_reference_logps())
      attach_validation_reference(config, model, data, device);  // outside a training run
    double loss_sum = 0;
    auto metric_sums = torch::zeros({static_cast<int64_t>(training::kPreferenceMetrics.size())}, torch::kDouble);
    int64_t scored = 0, batches = 0;
    for (int64_t first = 0; first < pairs.size(); first += batch) {
      if (config.eval.batches > 0 && batches++ == config.eval.batches) break;
      const auto terms =
          training::preference_batch_loss(model, pairs.range(first, std::min(batch, pairs.size() - first)), device, options);
      loss_sum += terms.loss_sum.item<double>();
      metric_sums += terms.metric_sums.cpu();
      scored += terms.pairs;
    }
    model->train(training);
    Validation v;
    v.loss = loss_sum / static_cast<double>(scored);
    v.values["val_loss"] = v.loss;
    for (size_t i = 0; i < training::kPreferenceMetrics.size(); ++i)
      v.values[std::string("eval_") + training::kPreferenceMetrics[i]] =
          metric_sums[static_cast<int64_t>(i)].item<double>() / static_cast<double>(scored);
    char line[256];
    std::snprintf(line, sizeof line, "val loss %.4f | reward accuracy %.4f | reward margin %.4f (%lld pairs)", v.loss,
                  v.values["eval_rewards/accuracies"], v.values["eval_rewards/margins"], (long long)scored);
    v.line = line;
    return v;
  }
};

}  // namespace

const Task& dpo_task() {
  static const PreferenceTuning task;
  return task;
}

}  // namespace anvil::recipes
