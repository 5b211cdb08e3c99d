#pragma once
// A token shard: one file of tokenized documents, written once by
// `anvil prepare` and memory-mapped by the loader, so a corpus never has to
// fit in RAM. Little-endian layout:
//
//   header, 64 bytes  "ANVLTOK1" magic, then u32 version, u32 token_bytes (2 or 4),
//                     u64 tokens, u64 documents, u64 vocab_size,
//                     u64 tokenizer_fingerprint, u64 text_bytes, u64 reserved (0)
//   tokens            tokens × token_bytes: uint16 when the vocabulary fits, else uint32,
//                     then zero bytes up to a multiple of 8, so the index is aligned
//   document index    (documents + 1) × u64: document d is tokens [index[d], index[d+1])
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/atomic_file.h"

namespace anvil::data {

struct ShardHeader {
  char magic[8];
  uint32_t version;
  uint32_t token_bytes;
  uint64_t tokens;
  uint64_t documents;
  uint64_t vocab_size;
  uint64_t tokenizer_fingerprint;
  uint64_t text_bytes;  // UTF-8 bytes of the documents' text, for bits per byte
  uint64_t reserved;
};
static_assert(sizeof(ShardHeader) == 64, "the header is part of the file format");

enum class TokenDtype { kAuto, kUint16, kUint32 };

// Token width for a vocabulary: kAuto picks 2 bytes up to 65,536 ids, else
// 4; kUint16 or kUint32 forces a width, and a vocabulary too large for
// uint16 is an error.
uint32_t token_bytes_for(int64_t vocab_size, TokenDtype dtype = TokenDtype::kAuto);

// Appends documents to a new shard. The file is written under `path.tmp` and
// published by finish() (a common::AtomicFile), so a shard that exists is
// always whole; a writer destroyed before finish() removes its temporary file.
class ShardWriter {
 public:
  ShardWriter(std::string path, int64_t vocab_size, uint64_t tokenizer_fingerprint, uint32_t token_bytes);
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  // Throws for a token id outside the vocabulary.
  void add_document(const std::vector<int32_t>& tokens, uint64_t text_bytes);
  void finish();
  uint64_t tokens() const { return header_.tokens; }

 private:
  std::string path_;
  std::unique_ptr<common::AtomicFile> file_;  // null once finished
  ShardHeader header_{};
  std::vector<uint64_t> index_{0};
};

// A finished shard, memory-mapped read-only. The constructor checks the file
// whole (magic, version, sizes, index) and throws naming it, so a truncated
// or foreign file is caught before training starts.
class TokenShard {
 public:
  explicit TokenShard(std::string path);
  ~TokenShard();
  TokenShard(const TokenShard&) = delete;
  TokenShard& operator=(const TokenShard&) = delete;

  const std::string& path() const { return path_; }
  const ShardHeader& header() const { return *header_; }
  int64_t size() const { return static_cast<int64_t>(header_->tokens); }
  int64_t documents() const { return static_cast<int64_t>(header_->documents); }
  // Tokens [begin, begin + count) widened to int64.
  void read(int64_t begin, int64_t count, int64_t* out) const;
  // Index of the document holding token `position`.
  int64_t document_of(int64_t position) const;
  // First token of document d (d == documents() gives size()).
  int64_t document_start(int64_t d) const { return static_cast<int64_t>(index_[d]); }

 private:
  std::string path_;
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  const ShardHeader* header_ = nullptr;
  const unsigned char* tokens_ = nullptr;
  const uint64_t* index_ = nullptr;
};

}  // namespace anvil::data
