#pragma once
// `anvil prepare`: tokenizes corpora into token shards, in parallel across
// cores. Each source becomes a folder of shards, split into training and
// validation by whole documents, deterministically from a seed. A failed run
// leaves any earlier output as it was:
//
//   OUT/manifest.json               what was prepared, with what tokenizer
//   OUT/<source>/train-00000.bin    token shards (data/token_shard.h)
//   OUT/<source>/val-00000.bin
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/document_reader.h"
#include "data/token_shard.h"
#include "data/tokenizer.h"

namespace anvil::data {

// kAuto: val_fraction of the documents go to val; kTrain or kVal: all of them.
enum class SourceSplit { kAuto, kTrain, kVal };

struct CorpusSource {
  std::string name;  // folder name under the output directory
  DocumentSource documents;
  SourceSplit split = SourceSplit::kAuto;
};

struct PrepareOptions {
  std::string out_dir;
  double val_fraction = 0.01;
  uint64_t seed = 0;
  int64_t threads = 0;                     // 0: all cores
  int64_t shard_tokens = 100'000'000;      // a new shard file starts past this many tokens
  TokenDtype token_dtype = TokenDtype::kAuto;
  // Called on the calling thread after each round with the bytes of text
  // encoded so far, over all sources (for a progress line).
  std::function<void(int64_t text_bytes)> on_progress;
};

struct SplitStats {
  int64_t documents = 0, tokens = 0, text_bytes = 0, shards = 0;
};

struct SourceReport {
  std::string name;
  SplitStats train, val;
};

struct PrepareReport {
  std::vector<SourceReport> sources;
  int64_t threads = 0;
  double seconds = 0;
};

// Uniform in [0, 1) from (seed, stream, index): whether an item is held out
// for validation depends on nothing else, so splits repeat on every machine.
double holdout_draw(uint64_t seed, uint64_t stream, uint64_t index);

// Each document is encoded and ended with the tokenizer's EOS id (when it has
// one). A source's folder is replaced only once all its shards are written,
// and only when it holds nothing but shards. The manifest keeps the sources
// an earlier run prepared into the same folder with the same tokenizer.
PrepareReport prepare_shards(const std::vector<CorpusSource>& sources, const Tokenizer& tokenizer,
                             const PrepareOptions& options);

// One source's split as the manifest lists it: its shard files, in order
// (none when the source has no documents in that split), and their tokens.
struct PreparedSplit {
  std::vector<std::string> files;
  int64_t tokens = 0;
};

// The shards of one source and split ("train" or "val") under a prepared
// directory: a missing file, source or manifest is an error.
PreparedSplit shard_files(const std::string& dir, const std::string& source, const std::string& split);

}  // namespace anvil::data
