#pragma once
// The safetensors format (Hugging Face): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
// then the raw little-endian tensor bytes. Model weights travel in it.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>

namespace anvil::models {

using TensorMap = std::map<std::string, torch::Tensor>;
using Metadata = std::map<std::string, std::string>;

// A safetensors file whose header has been read and checked; its tensors are
// read one at a time, so a large checkpoint never sits in memory whole.
class SafetensorsFile {
 public:
  // Throws std::runtime_error naming the file for a truncated, foreign or inconsistent file.
  explicit SafetensorsFile(const std::string& path);
  const std::string& path() const { return path_; }
  const Metadata& metadata() const { return metadata_; }
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  std::vector<int64_t> shape(const std::string& name) const { return entries_.at(name).shape; }
  c10::ScalarType dtype(const std::string& name) const { return entries_.at(name).dtype; }
  // The tensor backed by the file's pages, mapped copy-on-write and unmapped
  // when the tensor is freed: its bytes are read as they are touched, and
  // converting it costs only its converted copy. The file must not be
  // truncated while the tensor lives.
  torch::Tensor map(const std::string& name) const;
  // Copies the tensor into `target` (same shape; converting the dtype) a few
  // rows at a time from mappings of at most 64 MiB each: the most that
  // reading it holds beside the target.
  void copy_into(const std::string& name, torch::Tensor& target) const;

 private:
  struct Entry {
    c10::ScalarType dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;  // in the file
  };
  std::string path_;
  Metadata metadata_;
  std::map<std::string, Entry> entries_;
  // Bytes [begin, end) of the file, mapped copy-on-write, as a tensor of `dtype` and `shape`.
  torch::Tensor map_range(uint64_t begin, uint64_t end, c10::ScalarType dtype, std::vector<int64_t> shape,
                          const std::string& name) const;
};

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
// The same from a safetensors file, read one tensor at a time: the names and
// shapes are checked against the header before any data is read, and loading
// costs the module plus one tensor.
void load_module_file(torch::nn::Module& module, const std::string& path,
                      const std::function<bool(const std::string&)>& optional = {});

}  // namespace anvil::models
