#include "training/preference_loss.h"

#include <torch/torch.h>

#include "training/batch_loss.h"

namespace anvil::training {
namespace {

namespace F = torch::nn::functional;

// Per-pair losses, as TRL writes them, from each pair's margin of log-ratios
// (π_c − π_r) − (ref_c − ref_r), [P]; SimPO's reference is zero.
torch::Tensor pair_losses(const torch::Tensor& logits, const PreferenceOptions& o) {
  const double beta = o.beta, ls = o.label_smoothing;
  const auto smoothed_sigmoid = [&](const torch::Tensor& x) {
    return -F::logsigmoid(beta * x) * (1 - ls) - F::logsigmoid(-beta * x) * ls;
  };
  switch (o.loss) {
    case PreferenceLoss::kSigmoid: return smoothed_sigmoid(logits);
    case PreferenceLoss::kIpo: return (logits - 1 / (2 * beta)).pow(2);
    case PreferenceLoss::kHinge: return torch::relu(1 - beta * logits);
    case PreferenceLoss::kSimpo: return smoothed_sigmoid(logits - o.simpo_gamma / beta);
  }
  throw std::logic_error("unknown preference loss");
}

bool length_averaged(PreferenceLoss loss) { return loss == PreferenceLoss::kIpo || loss == PreferenceLoss::kSimpo; }

}  // namespace

std::pair<torch::Tensor, torch::Tensor> sequence_logps(const torch::Tensor& logits, const torch::Tensor& targets) {
  const auto mask = targets.ne(data::kIgnoreIndex);
  const auto picked = torch::log_softmax(logits.to(torch::kFloat), -1)
                          .gather(-1, targets.clamp_min(0).unsqueeze(-1))
                          .squeeze(-1);
  return {(picked * mask).sum(-1), mask.sum(-1)};
}

PreferenceTerms preference_batch_loss(models::GPT& model, const data::Batch& batch, c10::Device device,
                                      const PreferenceOptions& o) {
  const int64_t P = batch.pair_ids.size(0);
  const auto targets = batch.targets.to(device);
  const auto logits = forward_batch(model, batch, device);
  const auto [sums, counts] = sequence_logps(logits, targets);
  torch::Tensor ref_sums;
  if (o.uses_reference()) {
    if (!batch.reference_logps.defined()) throw std::logic_error("a pair batch without reference log-probabilities");
    ref_sums = batch.reference_logps.to(device, torch::kFloat);
  } else {
    ref_sums = torch::zeros_like(sums);
  }
  const bool averaged = length_averaged(o.loss);
  const auto logps = averaged ? sums / counts : sums, ref = averaged ? ref_sums / counts : ref_sums;
  const auto margins = (logps.narrow(0, 0, P) - logps.narrow(0, P, P)) - (ref.narrow(0, 0, P) - ref.narrow(0, P, P));
  auto loss_sum = pair_losses(margins, o).sum();
  if (o.sft_weight > 0) {
    // TRL's rpo_alpha: the chosen rows' token NLL, averaged over their tokens.
    const auto nll = -sums.narrow(0, 0, P).sum() / counts.narrow(0, 0, P).sum();
    loss_sum = loss_sum + o.sft_weight * nll * static_cast<double>(P);
  }
  // TRL's metrics: from the summed log-probabilities (IPO's too); SimPO's, as CPOTrainer's, from the averaged.
  const auto shown = (o.loss == PreferenceLoss::kSimpo ? logps : sums).detach();
  const auto shown_ref = (o.loss == PreferenceLoss::kSimpo ? ref : ref_sums).detach();
  const auto pc = shown.narrow(0, 0, P), pr = shown.narrow(0, P, P);
  const auto chosen_rewards = o.beta * (pc - shown_ref.narrow(0, 0, P));
  const auto rejected_rewards = o.beta * (pr - shown_ref.narrow(0, P, P));
  const auto metric_sums = torch::stack({chosen_rewards.sum(), rejected_rewards.sum(),
                                         chosen_rewards.gt(rejected_rewards).to(torch::kFloat).sum(),
                                         (chosen_rewards - rejected_rewards).sum(), pc.sum(), pr.sum()})
                               .to(torch::kDouble);
  return {loss_sum, metric_sums, P};
}

torch::Tensor reference_logps(models::GPT& model, const data::Batch& batch, c10::Device device) {
  torch::NoGradGuard no_grad;
  const bool training = model->is_training();
  model->eval();
  const auto logps = sequence_logps(forward_batch(model, batch, device), batch.targets.to(device)).first;
  model->train(training);
  return logps.to(torch::kCPU);
}

}  // namespace anvil::training
