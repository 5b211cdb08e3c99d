#pragma once
// Evaluation of a classifier: accuracy, macro-F1, per-class precision and
// recall, and the confusion matrix, with each example's prediction.
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "data/block_dataset.h"
#include "models/gpt.h"

namespace anvil::training {

struct ClassificationReport {
  double loss = 0, accuracy = 0, macro_f1 = 0;
  std::vector<double> precision, recall, f1;   // per class
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class]
  std::vector<int64_t> truth, predictions;      // per example, in dataset order
};

// Scores every example of `examples` (one label target each) in order.
ClassificationReport evaluate_classification(models::GPT& model, const data::BlockDataset& examples,
                                             int64_t batch_size, c10::Device device);

// Metrics from true and predicted classes.
ClassificationReport classification_metrics(std::vector<int64_t> truth, std::vector<int64_t> predictions,
                                            int64_t num_classes);

// The per-class table and the confusion matrix, for people.
std::string format_classification_report(const ClassificationReport& report, const std::vector<std::string>& labels);

}  // namespace anvil::training
