#pragma once
// The interface every tokenizer offers to the rest of anvil, and loading one
// from the file it was saved to.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::data {

class HfTokenizer;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  // The id that ends a document, or -1 when the tokenizer has none.
  virtual int32_t eos_id() const { return -1; }
  // The id that begins a sequence, or -1 when the tokenizer has none.
  virtual int32_t bos_id() const { return -1; }
  // The ids after which generated text ends: the end of the model's turn
  // (generation_config.json's EOS ids) and the EOS; empty when there are none.
  virtual std::vector<int64_t> stop_ids() const;
  // A hash of the whole vocabulary and its rules: token shards record it, so
  // shards are never read with a tokenizer other than the one that made them.
  virtual uint64_t fingerprint() const = 0;
  // "char", "sentencepiece" or "hf": which loader reads the saved file back.
  virtual std::string type() const = 0;
  // Writes what load_tokenizer(type(), path) reads back: a file, or for hf a
  // directory of the tokenizer's own files.
  virtual void save(const std::string& path) const = 0;
  // What only Hugging Face tokenizers have (chat templates, offsets, special
  // tokens), or null.
  virtual const HfTokenizer* hf() const { return nullptr; }
};

// The file name a tokenizer of this type is saved under inside a run directory.
std::string tokenizer_file_name(const std::string& type);

// FNV-1a, 64 bits: stable across platforms and runs (std::hash is neither).
uint64_t fnv1a_64(std::string_view bytes);

// For hf, PATH is a model directory or a tokenizer file, and CHAT_TEMPLATE_FILE
// (when not empty) a Jinja file that replaces its chat template.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& type, const std::string& path,
                                          const std::string& chat_template_file = "");

}  // namespace anvil::data
