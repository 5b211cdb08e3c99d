#include "training/classification_metrics.h"

#include <algorithm>
#include <cstdio>

#include <torch/csrc/autograd/grad_mode.h>

#include "training/batch_loss.h"
#include "training/loss.h"

namespace anvil::training {

ClassificationReport classification_metrics(std::vector<int64_t> truth, std::vector<int64_t> predictions,
                                            int64_t num_classes) {
  const auto K = static_cast<size_t>(num_classes);
  ClassificationReport r;
  r.confusion.assign(K, std::vector<int64_t>(K, 0));
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ++r.confusion[static_cast<size_t>(truth[i])][static_cast<size_t>(predictions[i])];
    correct += truth[i] == predictions[i];
  }
  r.accuracy = truth.empty() ? 0 : static_cast<double>(correct) / static_cast<double>(truth.size());
  for (size_t k = 0; k < K; ++k) {
    int64_t predicted = 0, actual = 0;
    for (size_t j = 0; j < K; ++j) {
      predicted += r.confusion[j][k];
      actual += r.confusion[k][j];
    }
    const auto hit = static_cast<double>(r.confusion[k][k]);
    const double p = predicted ? hit / static_cast<double>(predicted) : 0, q = actual ? hit / static_cast<double>(actual) : 0;
    r.precision.push_back(p);
    r.recall.push_back(q);
    r.f1.push_back(p + q > 0 ? 2 * p * q / (p + q) : 0);
    r.macro_f1 += r.f1.back() / static_cast<double>(K);
  }
  r.truth = std::move(truth);
  r.predictions = std::move(predictions);
  return r;
}

ClassificationReport evaluate_classification(models::GPT& model, const data::BlockDataset& examples,
                                             int64_t batch_size, c10::Device device) {
  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<int64_t> truth, predictions;
  double loss_sum = 0;
  for (int64_t first = 0; first < examples.size(); first += batch_size) {
    const auto batch = examples.range(first, std::min(batch_size, examples.size() - first));
    const auto targets = batch.targets.to(device);
    const auto logits = forward_batch(model, batch, device);
    loss_sum += summed_token_loss(logits, targets).item<double>();
    const auto scored = targets.ne(data::kIgnoreIndex);
    const auto labels = targets.masked_select(scored).cpu();
    const auto predicted = logits.argmax(-1).masked_select(scored).cpu();
    truth.insert(truth.end(), labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
    predictions.insert(predictions.end(), predicted.data_ptr<int64_t>(), predicted.data_ptr<int64_t>() + predicted.numel());
  }
  model->train(was_training);
  const auto n = static_cast<double>(std::max<size_t>(1, truth.size()));
  auto report = classification_metrics(std::move(truth), std::move(predictions), model->config.num_classes);
  report.loss = loss_sum / n;
  return report;
}

std::string format_classification_report(const ClassificationReport& r, const std::vector<std::string>& labels) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support");
  out += line;
  for (size_t k = 0; k < labels.size(); ++k) {
    int64_t support = 0;
    for (const auto c : r.confusion[k]) support += c;
    std::snprintf(line, sizeof line, "%-16s %9.4f %9.4f %9.4f %8lld\n", labels[k].c_str(), r.precision[k], r.recall[k],
                  r.f1[k], static_cast<long long>(support));
    out += line;
  }
  out += "confusion (rows: true class, columns: predicted):\n";
  for (size_t k = 0; k < labels.size(); ++k) {
    std::snprintf(line, sizeof line, "%-16s", labels[k].c_str());
    out += line;
    for (const auto c : r.confusion[k]) {
      std::snprintf(line, sizeof line, " %7lld", static_cast<long long>(c));
      out += line;
    }
    out += "\n";
  }
  return out;
}

}  // namespace anvil::training
