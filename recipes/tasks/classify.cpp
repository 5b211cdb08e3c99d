// task classify: a label per text, predicted by a classification head over
// the model's pooled hidden states; validated by accuracy and macro-F1.
#include <algorithm>
#include <cstdio>

#include "recipes/config_loader.h"
#include "recipes/tasks/task.h"
#include "training/classification_metrics.h"

namespace anvil::recipes {
namespace {

class Classification : public Task {
 public:
  RunData load_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) const override {
    return load_task_data(config, std::move(tokenizer));
  }

  // A label set is at least two classes: a run that has not read its data yet plans for two.
  int64_t num_classes(const std::vector<std::string>& labels) const override {
    return std::max<int64_t>(2, static_cast<int64_t>(labels.size()));
  }

  // A classifier's classes are those its run resolved and saved.
  void adopt_checkpoint_settings(RunConfig& config, const std::string& dir) const override {
    config.classify.labels = load_config(dir + "/config.yaml").config.classify.labels;
  }

  Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, int64_t batch,
                      c10::Device device) const override {
    const auto r = training::evaluate_classification(model, *data.val, batch, device);
    Validation v;
    v.loss = r.loss;
    v.accuracy = r.accuracy;
    v.values = {{"val_loss", r.loss}, {"val_accuracy", r.accuracy}, {"val_macro_f1", r.macro_f1}};
    char line[256];
    std::snprintf(line, sizeof line, "val loss %.4f | val accuracy %.4f | val macro-F1 %.4f", r.loss, r.accuracy,
                  r.macro_f1);
    v.line = line;
    return v;
  }
};

}  // namespace

const Task& classify_task() {
  static const Classification task;
  return task;
}

}  // namespace anvil::recipes
