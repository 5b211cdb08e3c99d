#pragma once
// The choices of a preference loss (dpo.* in a config), without LibTorch.
#include <array>

namespace anvil::training {

enum class PreferenceLoss {
  kSigmoid,  // DPO (Rafailov et al., 2023); with label smoothing, conservative DPO
  kIpo,      // IPO (Azar et al., 2023), on length-averaged log-probabilities
  kHinge,    // SLiC's hinge (Zhao et al., 2023)
  kSimpo,    // SimPO (Meng et al., 2024): length-averaged, no reference model
};

struct PreferenceOptions {
  PreferenceLoss loss = PreferenceLoss::kSigmoid;
  double beta = 0.1;
  double label_smoothing = 0.0;  // sigmoid and SimPO: the chance a label is flipped
  double simpo_gamma = 0.5;      // SimPO's target reward margin
  double sft_weight = 0.0;       // TRL's rpo_alpha: times the chosen responses' mean token NLL
  // Whether the loss reads reference log-probabilities (all but SimPO).
  bool uses_reference() const { return loss != PreferenceLoss::kSimpo; }
};

// TRL's metric names, in the order of PreferenceTerms::metric_sums.
inline constexpr std::array<const char*, 6> kPreferenceMetrics = {
    "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected"};

}  // namespace anvil::training
