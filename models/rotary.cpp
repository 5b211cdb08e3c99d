#include "models/rotary.h"

#include <algorithm>
#include <cmath>

namespace anvil::models {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Llama 3.1: wavelengths longer than the pretraining context / low_freq_factor
// are interpolated by the factor, shorter than context / high_freq_factor kept,
// and those between blended smoothly.
torch::Tensor llama3_frequencies(const torch::Tensor& inv_freq, const RopeScaling& s) {
  const double context = static_cast<double>(s.original_context);
  const auto wavelength = 2 * kPi / inv_freq;
  const auto scaled = torch::where(wavelength > context / s.low_freq_factor, inv_freq / s.factor, inv_freq);
  const auto smooth = (context / wavelength - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  const auto blended = (1 - smooth) * scaled / s.factor + smooth * scaled;
  const auto medium = (wavelength >= context / s.high_freq_factor) & (wavelength <= context / s.low_freq_factor);
  return torch::where(medium, blended, scaled);
}

// YaRN (Peng et al., 2023): dimensions that turn fewer than beta_slow times
// over the pretraining context are interpolated, more than beta_fast times
// extrapolated, and a linear ramp joins them.
torch::Tensor yarn_frequencies(const torch::Tensor& inv_freq, int64_t head_dim, double theta, const RopeScaling& s) {
  const double dim = static_cast<double>(head_dim), context = static_cast<double>(s.original_context);
  const auto correction_dim = [&](double rotations) {
    return dim * std::log(context / (rotations * 2 * kPi)) / (2 * std::log(theta));
  };
  const double low = std::max(std::floor(correction_dim(s.beta_fast)), 0.0);
  const double high = std::min(std::ceil(correction_dim(s.beta_slow)), dim - 1);
  const auto ramp = ((torch::arange(head_dim / 2, torch::kDouble) - low) / (high == low ? 0.001 : high - low)).clamp(0, 1);
  return inv_freq / s.factor * ramp + inv_freq * (1 - ramp);
}

}  // namespace

RotaryTables rotary_tables(int64_t length, int64_t head_dim, double theta, const RopeScaling& scaling) {
  auto inv_freq = 1.0 / torch::pow(theta, torch::arange(0, head_dim, 2, torch::kDouble) / head_dim);
  double magnitude = 1.0;  // of cos and sin
  switch (scaling.kind) {
    case RopeScalingKind::kNone: break;
    case RopeScalingKind::kLinear: inv_freq = inv_freq / scaling.factor; break;
    case RopeScalingKind::kLlama3: inv_freq = llama3_frequencies(inv_freq, scaling); break;
    case RopeScalingKind::kYarn:
      inv_freq = yarn_frequencies(inv_freq, head_dim, theta, scaling);
      magnitude = scaling.attention_factor > 0 ? scaling.attention_factor
                  : scaling.factor > 1         ? 0.1 * std::log(scaling.factor) + 1.0
                                               : 1.0;
      break;
  }
  const auto angles = torch::outer(torch::arange(length, torch::kDouble), inv_freq);  // [length, head_dim/2]
  const auto both_halves = torch::cat({angles, angles}, -1);
  return {(both_halves.cos() * magnitude).to(torch::kFloat), (both_halves.sin() * magnitude).to(torch::kFloat)};
}

namespace {

torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(3) / 2;
  const auto rotated_half = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos.to(x.dtype()) + rotated_half * sin.to(x.dtype());
}

}  // namespace

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables, int64_t offset) {
  const int64_t T = x.size(2);
  return rotate(x, tables.cos.narrow(0, offset, T), tables.sin.narrow(0, offset, T));
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables, const torch::Tensor& positions) {
  const int64_t B = positions.size(0), T = positions.size(1), D = x.size(3);
  const auto flat = positions.reshape({-1});
  // [B, 1, T, D]: one table row per token, shared by the heads.
  return rotate(x, tables.cos.index_select(0, flat).view({B, 1, T, D}), tables.sin.index_select(0, flat).view({B, 1, T, D}));
}

}  // namespace anvil::models
