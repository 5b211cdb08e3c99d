#pragma once
// Preference tuning's losses on pairs of responses to one prompt, as TRL's
// DPOTrainer (and CPOTrainer for SimPO) computes them: the policy's and the
// reference model's log-probabilities of the chosen and the rejected
// response give each pair's loss and TRL's reward metrics.
#include <c10/core/Device.h>

#include "data/batch.h"
#include "models/gpt.h"
#include "training/preference_options.h"

namespace anvil::training {

struct PreferenceTerms {
  torch::Tensor loss_sum;     // summed over the batch's pairs (the SFT term included)
  torch::Tensor metric_sums;  // float64 [6], summed over the pairs, detached
  int64_t pairs = 0;
};

// Each row's summed log-probability of its targets (float32 [R])
// and its number of targets.
std::pair<torch::Tensor, torch::Tensor> sequence_logps(const torch::Tensor& logits, const torch::Tensor& targets);

// A pair batch (data::Batch::pair_ids set; reference_logps too, unless the
// loss needs none) through the policy `model`: one forward of chosen and
// rejected rows together.
PreferenceTerms preference_batch_loss(models::GPT& model, const data::Batch& batch, c10::Device device,
                                      const PreferenceOptions& options);

// The rows' summed target log-probabilities under `model`, without gradients
// and in eval mode (no dropout), on the host: what a reference model gives.
torch::Tensor reference_logps(models::GPT& model, const data::Batch& batch, c10::Device device);

}  // namespace anvil::training
