#include "recipes/preference_reference.h"

#include <cstdio>
#include <filesystem>
#include <optional>

#include "models/lora.h"
#include "models/safetensors.h"
#include "recipes/model_builder.h"
#include "recipes/resolved_config.h"
#include "training/precision.h"
#include "training/preference_loss.h"

namespace anvil::recipes {
namespace {

// Where `precomputed` keeps the table, so a resumed run reads it back.
constexpr const char* kReferenceFile = "reference_logps.safetensors";

// How the reference's log-probabilities are computed: by a frozen model, or
// by the policy with its adapters switched off.
class Reference {
 public:
  Reference(models::GPT model, bool adapters_off, c10::Device device, training::Precision precision)
      : model_(std::move(model)), adapters_off_(adapters_off), device_(device), precision_(precision) {}

  torch::Tensor logps(const data::Batch& batch) {
    training::AutocastScope autocast(device_, precision_);
    if (!adapters_off_) return training::reference_logps(model_, batch, device_);
    models::AdaptersOff off(*model_);
    return training::reference_logps(model_, batch, device_);
  }

  // float [pairs, 2]: every pair of `pairs`, `batch` pairs at a time.
  torch::Tensor table(const data::PairDataset& pairs, int64_t batch) {
    std::vector<torch::Tensor> parts;
    for (int64_t first = 0; first < pairs.size(); first += batch) {
      const auto count = std::min(batch, pairs.size() - first);
      parts.push_back(logps(pairs.range(first, count)).reshape({2, count}).t());
    }
    return torch::cat(parts);
  }

 private:
  models::GPT model_;
  bool adapters_off_;
  c10::Device device_;
  training::Precision precision_;
};

class ReferenceStage : public BatchStage {
 public:
  explicit ReferenceStage(std::unique_ptr<Reference> reference) : reference_(std::move(reference)) {}
  void apply(data::Batch& batch) override {
    if (!batch.reference_logps.defined()) batch.reference_logps = reference_->logps(batch);
  }

 private:
  std::unique_ptr<Reference> reference_;
};

// The batches pairs are scored in by the reference: training's micro-batch.
int64_t scoring_batch(const RunConfig& config) { return std::max<int64_t>(1, config.train.batch_size); }

// A frozen model as model.init_from gives it (with zero adapters, where LoRA is on: the same function).
models::GPT frozen_copy(const RunConfig& config, const RunData& data, c10::Device device) {
  torch::NoGradGuard no_grad;
  auto model = build_model(config, data.tokenizer->vocab_size(), 0, device);
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  model->eval();
  return model;
}

std::string table_path(const RunConfig& config) {
  return (std::filesystem::path(config.run.dir) / kReferenceFile).string();
}

// The run directory's table, if `precomputed` wrote one; one of other pairs is an error.
std::optional<models::TensorMap> saved_tables(const RunConfig& config, const RunData& data) {
  const auto path = table_path(config);
  if (!std::filesystem::exists(path)) return std::nullopt;
  auto tables = models::load_safetensors(path);
  const auto train = tables.find("train"), val = tables.find("val");
  if (train == tables.end() || val == tables.end() || train->second.size(0) != data.train_pairs->size() ||
      val->second.size(0) != data.val_pairs->size())
    throw std::runtime_error(path + " holds the reference log-probabilities of other pairs: the data changed "
                             "since the run began; delete it, or start a new run.dir");
  return tables;
}

// copy and adapters_off: the model the reference's log-probabilities come from.
std::unique_ptr<Reference> live_reference(const RunConfig& config, DpoReference kind, models::GPT& policy,
                                          const RunData& data, c10::Device device) {
  const bool adapters_off = kind == DpoReference::kAdaptersOff;
  return std::make_unique<Reference>(adapters_off ? policy : frozen_copy(config, data, device), adapters_off, device,
                                     resolve_precision(config, device));
}

void set_tables(const RunData& data, const torch::Tensor& train, const torch::Tensor& val) {
  data.train_pairs->set_reference_logps(train);
  data.val_pairs->set_reference_logps(val);
}

// precomputed: both tables, once per run directory; no model is kept.
void precompute(const RunConfig& config, models::GPT& policy, RunData& data, c10::Device device, bool resumed,
                bool main_rank, training::Precision precision) {
  if (const auto tables = saved_tables(config, data)) {
    set_tables(data, tables->at("train"), tables->at("val"));
    return;
  }
  // At the start the policy is the reference; a resumed run without the file rebuilds it.
  Reference reference(resumed ? frozen_copy(config, data, device) : policy, /*adapters_off=*/false, device, precision);
  const auto batch = scoring_batch(config);
  const auto train = reference.table(*data.train_pairs, batch), val = reference.table(*data.val_pairs, batch);
  set_tables(data, train, val);
  if (!main_rank) return;
  const auto path = table_path(config);
  models::save_safetensors(path, {{"train", train}, {"val", val}});
  std::printf("reference log-probabilities of %lld pairs written to %s\n",
              (long long)(data.train_pairs->size() + data.val_pairs->size()), path.c_str());
}

}  // namespace

std::unique_ptr<BatchStage> open_preference_reference(const RunConfig& config, models::GPT& policy, RunData& data,
                                                      c10::Device device, bool resumed, bool main_rank) {
  const auto r = resolve(config);
  const auto precision = resolve_precision(config, device);
  switch (r.dpo_reference) {
    case DpoReference::kNone:
      return nullptr;
    case DpoReference::kPrecomputed:
      precompute(config, policy, data, device, resumed, main_rank, precision);
      return nullptr;
    case DpoReference::kCopy:
    case DpoReference::kAdaptersOff: {
      auto reference = live_reference(config, r.dpo_reference, policy, data, device);
      data.val_pairs->set_reference_logps(reference->table(*data.val_pairs, scoring_batch(config)));
      return std::make_unique<ReferenceStage>(std::move(reference));
    }
  }
  return nullptr;
}

void attach_validation_reference(const RunConfig& config, models::GPT& policy, const RunData& data,
                                 c10::Device device) {
  const auto r = resolve(config);
  if (r.dpo_reference == DpoReference::kNone) return;
  if (r.dpo_reference == DpoReference::kPrecomputed) {
    if (const auto tables = saved_tables(config, data)) {
      data.val_pairs->set_reference_logps(tables->at("val"));
      return;
    }
  }
  const auto kind = r.dpo_reference == DpoReference::kAdaptersOff ? DpoReference::kAdaptersOff : DpoReference::kCopy;
  data.val_pairs->set_reference_logps(
      live_reference(config, kind, policy, data, device)->table(*data.val_pairs, scoring_batch(config)));
}

}  // namespace anvil::recipes
