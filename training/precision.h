#pragma once
// Mixed precision. Under bf16 autocast, matmuls and attention run in bfloat16
// while weights, gradients and optimizer state stay fp32 (no loss scaling:
// bf16 has fp32's exponent range). TF32 speeds up whatever fp32 matmuls remain.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace anvil::training {

enum class Precision { kFp32, kBf16 };

// Lets CUDA matmuls and convolutions take fp32 inputs as TF32.
void allow_tf32(bool allow);

// Autocast on `device` for the scope's lifetime, restoring the previous state
// after. One scope per forward pass: autocast caches the bf16 copies of the
// weights until its outermost scope ends, and those go stale at the next
// optimizer step.
class AutocastScope {
 public:
  AutocastScope(c10::Device device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType type_;
  bool active_;
  bool was_enabled_ = false;
  c10::ScalarType previous_dtype_ = c10::ScalarType::Undefined;
};

}  // namespace anvil::training
