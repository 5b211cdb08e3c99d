#pragma once
// Hugging Face model directories: config.json with model.safetensors, or the
// shards model.safetensors.index.json lists, of the families hf_config.h
// knows, to and from anvil's GPTConfig and parameter names.
#include <functional>
#include <optional>
#include <string>

#include "models/gpt_config.h"
#include "models/hf_config.h"
#include "models/safetensors.h"

namespace anvil::models {

// DIR's weights as anvil tensors, in the files' dtype, handed to `take` one at
// a time from memory-mapped files, so that reading a model costs one tensor
// beyond what `take` keeps. Checked against `architecture` first: a missing,
// misshapen or left-over tensor is an error naming the file and the tensor.
// The checks of read_hf_weights alone, reading only the files' headers (and,
// for a tied model that also stores a head, that head).
void check_hf_weights(const std::string& dir, const HfArchitecture& architecture);

using TakeTensor = std::function<void(const std::string& name, const torch::Tensor& tensor)>;
void read_hf_weights(const std::string& dir, const HfArchitecture& architecture, const TakeTensor& take);

// read_hf_weights into `module`'s parameters, converted as they are copied:
// the model plus one tensor is the most it holds. As load_module_state,
// tensors for which `optional` is true may be missing on either side.
void load_hf_weights(torch::nn::Module& module, const std::string& dir, const HfArchitecture& architecture,
                     const std::function<bool(const std::string&)>& optional = {});

struct HfModel {
  HfFamily family;
  GPTConfig config;  // vocab_size: the embedding's rows (vocab_multiple 1)
  TensorMap state;   // anvil names, the checkpoint's dtype
};
HfModel import_hf(const std::string& dir);

struct HfExportOptions {
  std::optional<HfFamily> family;  // none: default_family(config)
  c10::ScalarType dtype = c10::ScalarType::Float;
  // Larger weights go to model-0000i-of-0000n.safetensors shards of at most
  // this size, with model.safetensors.index.json, as save_pretrained writes them.
  int64_t max_shard_bytes = 5'000'000'000;
};

// Writes DIR/config.json and the weights, which transformers loads
// unchanged. The vocabulary is the token embedding's rows, padding included
// (config's vocab_size is not read): Hugging Face's classes have no padding rows.
void export_hf(const GPTConfig& config, const TensorMap& state, const std::string& dir,
               const HfExportOptions& options = {});

}  // namespace anvil::models
