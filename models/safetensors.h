#pragma once
// The safetensors format (Hugging Face): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
// then the raw little-endian tensor bytes. Model weights travel in it.
#include <functional>
#include <map>
#include <string>

#include <torch/nn/module.h>

namespace anvil::models {

using TensorMap = std::map<std::string, torch::Tensor>;
using Metadata = std::map<std::string, std::string>;

// Supports F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL tensors.
void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata = {});
// Throws std::runtime_error naming the file for a truncated, foreign or inconsistent file.
TensorMap load_safetensors(const std::string& path, Metadata* metadata = nullptr);

// Parameters and buffers by dotted name ("blocks.0.attn.qkv.weight").
TensorMap module_state(const torch::nn::Module& module);
// Copies `state` into the module's parameters and buffers (converting dtype).
// A missing, unexpected or differently shaped tensor is an error naming it
// and `source`, except that tensors named for which `optional` is true may be
// missing on either side (a fresh head, adapters, a base model loaded apart).
void load_module_state(torch::nn::Module& module, const TensorMap& state, const std::string& source,
                       const std::function<bool(const std::string&)>& optional = {});

}  // namespace anvil::models
