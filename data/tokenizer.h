#pragma once
// The interface every tokenizer offers to the rest of anvil, and loading one
// from the file it was saved to.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::data {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  // The id that ends a document, or -1 when the tokenizer has none.
  virtual int32_t eos_id() const { return -1; }
  // A hash of the whole vocabulary and its rules: token shards record it, so
  // shards are never read with a tokenizer other than the one that made them.
  virtual uint64_t fingerprint() const = 0;
  // "char" or "sentencepiece": which loader reads the saved file back.
  virtual std::string type() const = 0;
  // Writes a self-contained file that load_tokenizer(type(), path) reads back.
  virtual void save(const std::string& path) const = 0;
};

// The file name a tokenizer of this type is saved under inside a run directory.
std::string tokenizer_file_name(const std::string& type);

// FNV-1a, 64 bits: stable across platforms and runs (std::hash is neither).
uint64_t fnv1a_64(std::string_view bytes);

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& type, const std::string& path);

}  // namespace anvil::data
