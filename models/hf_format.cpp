#include "models/hf_format.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "models/hf_weights.h"
#include "models/lora.h"

namespace anvil::models {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

json read_json_object(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open '" + path.string() + "'");
  json parsed;
  try {
    parsed = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error("'" + path.string() + "' is not JSON: " + e.what());
  }
  if (!parsed.is_object())
    throw std::runtime_error("'" + path.string() + "': expected a JSON object, got " + parsed.type_name());
  return parsed;
}

// The weight files of a model directory, and which of them holds each tensor.
struct WeightFiles {
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  std::map<std::string, const SafetensorsFile*> holder;
};

WeightFiles open_weights(const fs::path& dir) {
  WeightFiles w;
  std::vector<fs::path> paths;
  if (fs::exists(dir / "model.safetensors")) {
    paths.push_back(dir / "model.safetensors");
  } else {
    const fs::path index = dir / "model.safetensors.index.json";
    if (!fs::exists(index)) throw std::runtime_error("'" + dir.string() + "' has no model.safetensors");
    const json parsed = read_json_object(index);
    const auto weight_map = parsed.find("weight_map");
    if (weight_map == parsed.end() || !weight_map->is_object())
      throw std::runtime_error("'" + index.string() + "': expected a 'weight_map' object");
    std::set<std::string> shards;
    for (const auto& [name, file] : weight_map->items()) {
      if (!file.is_string())
        throw std::runtime_error("'" + index.string() + "': weight_map entry '" + name + "' is not a file name");
      shards.insert(file.get<std::string>());
    }
    for (const auto& shard : shards) paths.push_back(dir / shard);
  }
  for (const auto& path : paths) {
    w.files.push_back(std::make_unique<SafetensorsFile>(path.string()));
    for (const auto& name : w.files.back()->names()) w.holder[name] = w.files.back().get();
  }
  return w;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + (shape[i] == kAnySize ? "*" : std::to_string(shape[i]));
  return out + "]";
}

// Every tensor the links name is there with its shape and a floating-point
// dtype, and nothing else is.
void check_weights(const WeightFiles& w, const std::vector<TensorLink>& links, bool tied, const std::string& dir) {
  std::set<std::string> unused;
  for (const auto& [name, _] : w.holder)
    if (!is_derived_hf_tensor(name) && !(tied && name == "lm_head.weight")) unused.insert(name);
  for (const auto& link : links) {
    for (const auto& part : link.hf) {
      const auto it = w.holder.find(part.name);
      if (it == w.holder.end()) throw std::runtime_error("'" + dir + "': tensor '" + part.name + "' is missing");
      const auto shape = it->second->shape(part.name);
      bool fits = shape.size() == part.shape.size();
      for (size_t i = 0; fits && i < shape.size(); ++i) fits = part.shape[i] == kAnySize || part.shape[i] == shape[i];
      if (!fits)
        throw std::runtime_error("'" + dir + "': tensor '" + part.name + "' has shape " + shape_text(shape) +
                                 ", but config.json implies " + shape_text(part.shape));
      if (!c10::isFloatingType(it->second->dtype(part.name)))
        throw std::runtime_error("'" + dir + "': tensor '" + part.name + "' is " +
                                 c10::toString(it->second->dtype(part.name)) + ", not a floating-point weight");
      unused.erase(part.name);
    }
  }
  if (!unused.empty())
    throw std::runtime_error("'" + dir + "': " + std::to_string(unused.size()) +
                             " tensor(s) are not part of the model config.json describes, the first '" +
                             *unused.begin() + "' (does config.json match the weights?)");
}

// Hugging Face's causal LM classes hold a base model and an LM head, nothing else.
void check_exportable(const TensorMap& s) {
  for (const auto& [name, _] : s) {
    if (is_lora_tensor(name))
      throw std::runtime_error("these are LoRA adapters ('" + name +
                               "'), not a whole model: merge them into the base first with "
                               "`anvil merge-lora CONFIG OUT_DIR checkpoint=...`, then export-hf that OUT_DIR");
    if (name.rfind("score.", 0) == 0)
      throw std::runtime_error("this is a classifier (task classify: its 'score' head replaces the LM head); "
                               "export-hf writes causal language models only, which would drop the head");
  }
}

const torch::Tensor& need(const TensorMap& s, const std::string& name) {
  const auto it = s.find(name);
  if (it == s.end()) throw std::runtime_error("the weights have no tensor '" + name + "', which this model needs");
  return it->second;
}

// The Hugging Face tensors of one link, from anvil's state.
std::vector<std::pair<std::string, torch::Tensor>> export_link(const TensorLink& link, const TensorMap& s,
                                                               c10::ScalarType dtype) {
  std::vector<torch::Tensor> pieces;
  for (const auto& name : link.anvil) {
    const auto it = s.find(name);
    if (it == s.end() && link.zeros_if_absent) {  // a bias-free model: zero biases compute the same
      pieces.push_back(torch::zeros({link.hf[0].shape[0]}));
      continue;
    }
    pieces.push_back(need(s, name));
  }
  auto whole = pieces.size() == 1 ? pieces[0] : torch::cat(pieces);
  if (link.transposed) whole = whole.t();
  std::vector<int64_t> rows;
  for (const auto& part : link.hf) rows.push_back(part.shape[0] == kAnySize ? whole.size(0) : part.shape[0]);
  const auto parts = whole.split_with_sizes(rows);
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (size_t i = 0; i < parts.size(); ++i) out.emplace_back(link.hf[i].name, parts[i].to(dtype).contiguous());
  return out;
}

std::string shard_name(size_t i, size_t n) {
  char name[64];
  std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, n);
  return name;
}

// model.safetensors, or shards of at most max_bytes (a larger tensor alone in
// its shard) and the index that maps each tensor to its shard.
void write_weights(const TensorMap& hf, const fs::path& dir, int64_t max_bytes) {
  std::vector<TensorMap> shards(1);
  int64_t in_shard = 0, total = 0;
  for (const auto& [name, tensor] : hf) {
    const auto bytes = static_cast<int64_t>(tensor.nbytes());
    if (in_shard > 0 && in_shard + bytes > max_bytes) {
      shards.emplace_back();
      in_shard = 0;
    }
    shards.back().emplace(name, tensor);
    in_shard += bytes;
    total += bytes;
  }
  const Metadata metadata{{"format", "pt"}};
  if (shards.size() == 1) return save_safetensors((dir / "model.safetensors").string(), hf, metadata);
  json weight_map = json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    save_safetensors((dir / shard_name(i, shards.size())).string(), shards[i], metadata);
    for (const auto& [name, _] : shards[i]) weight_map[name] = shard_name(i, shards.size());
  }
  const json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  common::publish_file(dir / "model.safetensors.index.json", index.dump(2) + "\n");
}

std::string dtype_name(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::ScalarType::Float: return "float32";
    case c10::ScalarType::BFloat16: return "bfloat16";
    case c10::ScalarType::Half: return "float16";
    default: throw std::invalid_argument("export-hf writes fp32, bf16 or fp16 weights");
  }
}

}  // namespace

namespace {

// The links of DIR's weights, checked against the files' headers before any
// tensor is read. The vocabulary is the embedding's rows where config.json
// gives none, so the head must have as many.
std::vector<TensorLink> checked_links(const WeightFiles& weights, const HfArchitecture& a, const std::string& dir) {
  auto m = a.config;
  // Every layer has several tensors: a config.json with more layers than the
  // files have tensors is refused before a table of its layers is made.
  if (m.n_layer > static_cast<int64_t>(weights.holder.size()))
    throw std::runtime_error("'" + dir + "/config.json' has " + std::to_string(m.n_layer) +
                             " layers, more than the " + std::to_string(weights.holder.size()) +
                             " tensors the weights hold (does config.json match the weights?)");
  if (m.vocab_size == 0) {
    const auto embedding = tensor_links(a.family, m).front().hf.front().name;
    const auto it = weights.holder.find(embedding);
    if (it != weights.holder.end() && !it->second->shape(embedding).empty())
      m.vocab_size = it->second->shape(embedding)[0];
  }
  auto links = tensor_links(a.family, m);
  check_weights(weights, links, m.tie_embeddings, dir);
  // transformers keeps a head the file holds, tied or not: one that differs
  // from the embedding is no tied model.
  const auto head = weights.holder.find("lm_head.weight");
  if (m.tie_embeddings && head != weights.holder.end()) {
    const auto& embedding = links.front().hf.front().name;
    const auto stored = head->second->map("lm_head.weight");
    const auto tied = weights.holder.at(embedding)->map(embedding);
    if (stored.sizes() != tied.sizes() || !stored.equal(tied))
      throw std::runtime_error("'" + dir + "': config.json ties the embeddings (tie_word_embeddings), but "
                               "lm_head.weight differs from " + embedding + " (set tie_word_embeddings false?)");
  }
  return links;
}

}  // namespace

void check_hf_weights(const std::string& dir, const HfArchitecture& a) { checked_links(open_weights(dir), a, dir); }

namespace {

// A link stored as one tensor, as anvil stores it: read straight into place.
bool is_one_to_one(const TensorLink& link) { return link.hf.size() == 1 && link.anvil.size() == 1 && !link.transposed; }

// Each anvil tensor of a link, assembled from the mapped parts.
void assemble(const WeightFiles& weights, const TensorLink& link, const TakeTensor& take) {
  std::vector<torch::Tensor> parts;
  for (const auto& part : link.hf) parts.push_back(weights.holder.at(part.name)->map(part.name));
  auto whole = parts.size() == 1 ? parts[0] : torch::cat(parts);
  if (link.transposed) whole = whole.t().contiguous();
  if (link.anvil.size() == 1) return take(link.anvil[0], whole);
  const auto pieces = whole.split_with_sizes(link.anvil_rows);
  for (size_t i = 0; i < pieces.size(); ++i) take(link.anvil[i], pieces[i].contiguous());
}

}  // namespace

void read_hf_weights(const std::string& dir, const HfArchitecture& a, const TakeTensor& take) {
  const auto weights = open_weights(dir);
  for (const auto& link : checked_links(weights, a, dir)) assemble(weights, link, take);
}

void load_hf_weights(torch::nn::Module& module, const std::string& dir, const HfArchitecture& a,
                     const std::function<bool(const std::string&)>& optional) {
  TensorMap targets = module_state(module);
  const auto may_lack = [&](const std::string& name) { return optional && optional(name); };
  torch::NoGradGuard no_grad;
  // The target of `name` with `shape`, or null for a tensor the module may lack.
  const auto target_of = [&](const std::string& name, c10::IntArrayRef shape) -> torch::Tensor* {
    const auto it = targets.find(name);
    if (it == targets.end()) {
      if (may_lack(name)) return nullptr;
      throw std::runtime_error("'" + dir + "': tensor '" + name + "' is not part of this model");
    }
    if (it->second.sizes() != shape)
      throw std::runtime_error("'" + dir + "': tensor '" + name + "' has shape " + c10::str(shape) +
                               ", the model expects " + c10::str(it->second.sizes()));
    return &it->second;
  };
  const auto weights = open_weights(dir);
  std::set<std::string> loaded;
  for (const auto& link : checked_links(weights, a, dir)) {
    if (is_one_to_one(link)) {
      const auto& part = link.hf[0].name;
      const auto* file = weights.holder.at(part);
      if (auto* target = target_of(link.anvil[0], file->shape(part))) file->copy_into(part, *target);
      loaded.insert(link.anvil[0]);
      continue;
    }
    assemble(weights, link, [&](const std::string& name, const torch::Tensor& t) {
      if (auto* target = target_of(name, t.sizes())) target->copy_(t);
      loaded.insert(name);
    });
  }
  for (const auto& name : loaded) targets.erase(name);
  for (const auto& [name, _] : targets)
    if (!may_lack(name)) throw std::runtime_error("'" + dir + "': the model's tensor '" + name + "' is missing");
}

HfModel import_hf(const std::string& dir) {
  auto a = read_hf_architecture(dir);
  HfModel out{a.family, a.config, {}};
  // Mapped tensors are copied: the state outlives the files' mappings.
  read_hf_weights(dir, a, [&](const std::string& name, const torch::Tensor& t) { out.state[name] = t.clone(); });
  out.config.vocab_size = out.state.at("token_embedding.weight").size(0);
  return out;
}

void export_hf(const GPTConfig& config, const TensorMap& state, const std::string& dir, const HfExportOptions& o) {
  check_exportable(state);
  const HfFamily family = o.family ? *o.family : default_family(config);
  GPTConfig m = config;
  m.vocab_size = need(state, "token_embedding.weight").size(0);
  const std::string config_json = hf_config_json(family, m, m.vocab_size, dtype_name(o.dtype));
  TensorMap hf;
  for (const auto& link : tensor_links(family, m))
    for (auto& [name, tensor] : export_link(link, state, o.dtype)) hf.emplace(name, std::move(tensor));
  fs::create_directories(dir);
  common::publish_file(fs::path(dir) / "config.json", config_json);
  write_weights(hf, dir, o.max_shard_bytes);
}

}  // namespace anvil::models
