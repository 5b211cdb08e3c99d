#include "data/token_shard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace anvil::data {
namespace {

constexpr char kMagic[8] = {'A', 'N', 'V', 'L', 'T', 'O', 'K', '1'};
constexpr uint32_t kVersion = 1;

uint64_t padded_token_bytes(uint64_t tokens, uint32_t token_bytes) { return (tokens * token_bytes + 7) / 8 * 8; }

}  // namespace

uint32_t token_bytes_for(int64_t vocab_size, TokenDtype dtype) {
  if (dtype == TokenDtype::kUint32) return 4;
  if (dtype == TokenDtype::kAuto) return vocab_size <= 65536 ? 2 : 4;
  if (vocab_size > 65536)
    throw std::invalid_argument("a vocabulary of " + std::to_string(vocab_size) +
                                " tokens does not fit uint16 (at most 65536): use uint32 or auto");
  return 2;
}

ShardWriter::ShardWriter(std::string path, int64_t vocab_size, uint64_t tokenizer_fingerprint, uint32_t token_bytes)
    : path_(std::move(path)) {
  std::memcpy(header_.magic, kMagic, sizeof kMagic);
  header_.version = kVersion;
  header_.token_bytes = token_bytes;
  header_.vocab_size = static_cast<uint64_t>(vocab_size);
  header_.tokenizer_fingerprint = tokenizer_fingerprint;
  file_ = std::make_unique<common::AtomicFile>(path_);
  file_->write(&header_, sizeof header_);  // rewritten with the counts by finish()
}

void ShardWriter::add_document(const std::vector<int32_t>& tokens, uint64_t text_bytes) {
  for (const int32_t t : tokens)
    if (t < 0 || static_cast<uint64_t>(t) >= header_.vocab_size)
      throw std::runtime_error("token id " + std::to_string(t) + " is outside the vocabulary of " +
                               std::to_string(header_.vocab_size) + " (writing '" + path_ + "')");
  if (header_.token_bytes == 2) {
    std::vector<uint16_t> narrow(tokens.begin(), tokens.end());
    file_->write(narrow.data(), narrow.size() * 2);
  } else {
    file_->write(tokens.data(), tokens.size() * 4);
  }
  header_.tokens += tokens.size();
  header_.text_bytes += text_bytes;
  header_.documents += 1;
  index_.push_back(header_.tokens);
}

void ShardWriter::finish() {
  const uint64_t zeros = 0;
  file_->write(&zeros, padded_token_bytes(header_.tokens, header_.token_bytes) - header_.tokens * header_.token_bytes);
  file_->write(index_.data(), index_.size() * sizeof(uint64_t));
  file_->write_at(0, &header_, sizeof header_);
  file_->commit();
  file_.reset();
}

TokenShard::TokenShard(std::string path) : path_(std::move(path)) {
  // A throwing constructor runs no destructor: a refused file unmaps here
  // (token_shard_fuzz slowed down as every refused input leaked a mapping).
  auto fail = [&](const std::string& why) {
    if (map_) ::munmap(map_, map_bytes_);
    map_ = nullptr;
    throw std::runtime_error("token shard '" + path_ + "': " + why);
  };
  const int fd = ::open(path_.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open it");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail("cannot read its size");
  }
  map_bytes_ = static_cast<size_t>(st.st_size);
  if (map_bytes_ < sizeof(ShardHeader)) {
    ::close(fd);
    fail("only " + std::to_string(map_bytes_) + " bytes: not a token shard, or truncated");
  }
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail("cannot map it into memory");
  }
  header_ = static_cast<const ShardHeader*>(map_);
  if (std::memcmp(header_->magic, kMagic, sizeof kMagic) != 0) fail("not a token shard (wrong magic bytes)");
  if (header_->version != kVersion)
    fail("format version " + std::to_string(header_->version) + ", this anvil reads version " +
         std::to_string(kVersion) + ": run anvil prepare again");
  if (header_->token_bytes != 2 && header_->token_bytes != 4)
    fail("token width " + std::to_string(header_->token_bytes) + " bytes: expected 2 or 4");
  // Counts bounded by the file size first, so that the size sum below cannot
  // wrap around to a value that happens to match (a fuzzed header did).
  if (header_->tokens > map_bytes_ || header_->documents >= map_bytes_ / sizeof(uint64_t))
    fail("header counts " + std::to_string(header_->tokens) + " tokens and " + std::to_string(header_->documents) +
         " documents, more than its " + std::to_string(map_bytes_) + " bytes can hold: the file is damaged");
  const uint64_t expected = sizeof(ShardHeader) + padded_token_bytes(header_->tokens, header_->token_bytes) +
                            (header_->documents + 1) * sizeof(uint64_t);
  if (expected != map_bytes_)
    fail(std::to_string(map_bytes_) + " bytes where the header promises " + std::to_string(expected) +
         ": the file is truncated or damaged");
  tokens_ = static_cast<const unsigned char*>(map_) + sizeof(ShardHeader);
  index_ = reinterpret_cast<const uint64_t*>(tokens_ + padded_token_bytes(header_->tokens, header_->token_bytes));
  if (index_[0] != 0 || index_[header_->documents] != header_->tokens ||
      !std::is_sorted(index_, index_ + header_->documents + 1))
    fail("its document index is inconsistent with its token count");
  // The loader reads scattered blocks: tell the kernel not to read ahead.
  ::madvise(map_, map_bytes_, MADV_RANDOM);
}

TokenShard::~TokenShard() {
  if (map_) ::munmap(map_, map_bytes_);
}

void TokenShard::read(int64_t begin, int64_t count, int64_t* out) const {
  if (header_->token_bytes == 2) {
    const auto* p = reinterpret_cast<const uint16_t*>(tokens_) + begin;
    std::copy(p, p + count, out);
  } else {
    const auto* p = reinterpret_cast<const uint32_t*>(tokens_) + begin;
    std::copy(p, p + count, out);
  }
  // A token past the vocabulary would index past the embedding: a damaged
  // file, caught here rather than as an opaque index error in the model.
  const auto vocab = static_cast<int64_t>(header_->vocab_size);
  const int64_t* bad = std::find_if(out, out + count, [vocab](int64_t t) { return t >= vocab; });
  if (bad != out + count)
    throw std::runtime_error("token shard '" + path_ + "': token " + std::to_string(*bad) + " at position " +
                             std::to_string(begin + (bad - out)) + " is outside its vocabulary of " +
                             std::to_string(vocab) + ": the file is damaged; run anvil prepare again");
}

int64_t TokenShard::document_of(int64_t position) const {
  const uint64_t* end = index_ + header_->documents + 1;
  return static_cast<int64_t>(std::upper_bound(index_, end, static_cast<uint64_t>(position)) - index_) - 1;
}

}  // namespace anvil::data
