#pragma once
// Where each anvil parameter lives in a Hugging Face checkpoint of its family:
// one table read both ways, by the import and by the export.
#include <cstdint>
#include <string>
#include <vector>

#include "models/gpt_config.h"
#include "models/hf_config.h"

namespace anvil::models {

constexpr int64_t kAnySize = -1;  // a dimension config.json does not fix (a vocabulary it omits)

struct HfTensor {
  std::string name;
  std::vector<int64_t> shape;
};

// Anvil tensors and the Hugging Face tensors that hold the same rows, each
// side stacked along dimension 0: q, k and v make anvil's one qkv projection,
// and Phi-3's one gate_up_proj is anvil's gate and up. GPT-2's Conv1D weights
// are stored transposed.
struct TensorLink {
  std::vector<std::string> anvil;
  std::vector<int64_t> anvil_rows;  // each anvil tensor's rows, where there are several
  std::vector<HfTensor> hf;
  bool transposed = false;
  bool zeros_if_absent = false;  // GPT-2's biases, written as zeros for a model without them
};

// Every tensor of `config` as `family` stores it. The vocabulary is
// config.vocab_size, or kAnySize where that is 0.
std::vector<TensorLink> tensor_links(HfFamily family, const GPTConfig& config);

// Tensors some checkpoints carry that are no weights (causal-mask buffers of
// old GPT-2s, Llama's rotary inv_freq): the import drops them.
bool is_derived_hf_tensor(const std::string& name);

}  // namespace anvil::models
