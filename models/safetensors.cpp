#include "models/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "models/safetensors_header.h"

namespace anvil::models {
namespace {

const std::vector<std::pair<std::string, c10::ScalarType>> kDtypes = {
    {"F64", torch::kDouble}, {"F32", torch::kFloat}, {"F16", torch::kHalf}, {"BF16", torch::kBFloat16},
    {"I64", torch::kLong},   {"I32", torch::kInt},   {"I16", torch::kShort}, {"I8", torch::kChar},
    {"U8", torch::kByte},    {"BOOL", torch::kBool}};

std::string dtype_name(c10::ScalarType type) {
  for (const auto& [name, t] : kDtypes)
    if (t == type) return name;
  throw std::invalid_argument(std::string("safetensors cannot store dtype ") + c10::toString(type));
}

c10::ScalarType dtype_of(const std::string& name, const std::string& path) {
  for (const auto& [n, t] : kDtypes)
    if (n == name) return t;
  throw std::runtime_error("'" + path + "': unsupported safetensors dtype '" + name + "'");
}

std::string shape_text(c10::IntArrayRef shape) { return c10::str(shape); }

}  // namespace

void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    contiguous.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const uint64_t bytes = contiguous.back().nbytes();
    header[name] = {{"dtype", dtype_name(tensor.scalar_type())},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the tensor data 8-byte aligned
  const uint64_t length = text.size();

  common::AtomicFile out(path);
  char length_bytes[8];
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  out.write(length_bytes, 8);
  out.write(text);
  for (const auto& t : contiguous) out.write(t.data_ptr(), t.nbytes());
  out.commit();
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open '" + path + "'");
  const auto file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  auto header = read_safetensors_header(in, file_size, path);
  metadata_ = std::move(header.metadata);
  for (auto& [name, entry] : header.entries)
    entries_.emplace(name, Entry{dtype_of(entry.dtype, path), std::move(entry.shape), entry.begin, entry.end});
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : entries_) out.push_back(name);
  return out;
}

torch::Tensor SafetensorsFile::map(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) throw std::runtime_error("'" + path_ + "' has no tensor '" + name + "'");
  const Entry& e = it->second;
  return map_range(e.begin, e.end, e.dtype, e.shape, name);
}

torch::Tensor SafetensorsFile::map_range(uint64_t begin, uint64_t end, c10::ScalarType dtype,
                                         std::vector<int64_t> shape, const std::string& name) const {
  const auto options = torch::TensorOptions().dtype(dtype);
  if (begin == end) return torch::empty(shape, options);
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open '" + path_ + "': " + std::strerror(errno));
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t first = begin / page * page, length = end - first;
  void* mapped = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, static_cast<off_t>(first));
  const int mmap_errno = errno;
  ::close(fd);
  if (mapped == MAP_FAILED)
    throw std::runtime_error("cannot map tensor '" + name + "' of '" + path_ + "': " + std::strerror(mmap_errno));
  char* data = static_cast<char*>(mapped) + (begin - first);
  auto tensor = torch::from_blob(data, shape, [mapped, length](void*) { ::munmap(mapped, length); }, options);
  // A header whose length is not a multiple of 8 leaves the data unaligned,
  // which LibTorch's kernels do not expect: such a tensor is copied.
  if (reinterpret_cast<uintptr_t>(data) % c10::elementSize(dtype) != 0) return tensor.clone();
  return tensor;
}

void SafetensorsFile::copy_into(const std::string& name, torch::Tensor& target) const {
  const Entry& e = entries_.at(name);
  if (e.shape.empty() || e.begin == e.end) {
    target.copy_(map(name));
    return;
  }
  constexpr uint64_t kChunkBytes = 64ull << 20;
  const uint64_t row_bytes = (e.end - e.begin) / static_cast<uint64_t>(e.shape[0]);
  const int64_t rows = std::max<int64_t>(1, static_cast<int64_t>(kChunkBytes / std::max<uint64_t>(row_bytes, 1)));
  for (int64_t row = 0; row < e.shape[0]; row += rows) {
    const int64_t n = std::min(rows, e.shape[0] - row);
    auto shape = e.shape;
    shape[0] = n;
    const uint64_t begin = e.begin + static_cast<uint64_t>(row) * row_bytes;
    target.narrow(0, row, n).copy_(map_range(begin, begin + static_cast<uint64_t>(n) * row_bytes, e.dtype, shape, name));
  }
}

TensorMap load_safetensors(const std::string& path, Metadata* metadata) {
  const SafetensorsFile file(path);
  if (metadata) *metadata = file.metadata();
  TensorMap tensors;
  for (const auto& name : file.names()) tensors.emplace(name, file.map(name).clone());
  return tensors;
}

TensorMap module_state(const torch::nn::Module& module) {
  TensorMap state;
  for (const auto& p : module.named_parameters()) state.emplace(p.key(), p.value());
  for (const auto& b : module.named_buffers()) state.emplace(b.key(), b.value());
  return state;
}

namespace {

// Throws naming the first tensor `source` has that the module lacks, lacks
// that the module has, or has in another shape (`shape_of` answers for `source`).
void check_names_and_shapes(const TensorMap& targets, const std::vector<std::string>& names,
                            const std::function<std::vector<int64_t>(const std::string&)>& shape_of,
                            const std::string& source, const std::function<bool(const std::string&)>& may_lack) {
  const std::set<std::string> present(names.begin(), names.end());
  for (const auto& name : names)
    if (!targets.count(name) && !may_lack(name))
      throw std::runtime_error(source + ": unexpected tensor '" + name + "' for this model");
  for (const auto& [name, target] : targets) {
    if (!present.count(name)) {
      if (may_lack(name)) continue;
      throw std::runtime_error(source + ": missing tensor '" + name + "'");
    }
    const auto shape = shape_of(name);
    if (c10::IntArrayRef(shape) != target.sizes())
      throw std::runtime_error(source + ": tensor '" + name + "' has shape " + shape_text(shape) +
                               ", the model expects " + shape_text(target.sizes()));
  }
}

}  // namespace

void load_module_state(torch::nn::Module& module, const TensorMap& state, const std::string& source,
                       const std::function<bool(const std::string&)>& optional) {
  TensorMap targets = module_state(module);
  const auto may_lack = [&](const std::string& name) { return optional && optional(name); };
  std::vector<std::string> names;
  for (const auto& [name, _] : state) names.push_back(name);
  check_names_and_shapes(targets, names, [&](const std::string& n) { return state.at(n).sizes().vec(); }, source,
                         may_lack);
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets)
    if (const auto it = state.find(name); it != state.end()) target.copy_(it->second);
}

void load_module_file(torch::nn::Module& module, const std::string& path,
                      const std::function<bool(const std::string&)>& optional) {
  const SafetensorsFile file(path);
  TensorMap targets = module_state(module);
  const auto may_lack = [&](const std::string& name) { return optional && optional(name); };
  check_names_and_shapes(targets, file.names(), [&](const std::string& n) { return file.shape(n); }, path, may_lack);
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets)
    if (file.contains(name)) file.copy_into(name, target);
}

}  // namespace anvil::models
