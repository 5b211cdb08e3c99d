#include <sstream>
#include <stdexcept>

#include "data/prepare_shards.h"
#include "data/shard_blocks.h"
#include "recipes/resolved_config.h"
#include "recipes/run_data.h"

namespace anvil::recipes {
namespace {

using Shards = std::vector<std::shared_ptr<const data::TokenShard>>;

// Maps the shards of one split and checks each against the run's tokenizer,
// and all of them against the manifest (shards of an interrupted prepare).
Shards open_shards(const data::PreparedSplit& split, const data::Tokenizer& tokenizer, const std::string& what) {
  Shards shards;
  int64_t tokens = 0;
  for (const auto& file : split.files) {
    auto shard = std::make_shared<const data::TokenShard>(file);
    const auto& h = shard->header();
    if (h.tokenizer_fingerprint != tokenizer.fingerprint() ||
        h.vocab_size != static_cast<uint64_t>(tokenizer.vocab_size()))
      throw std::runtime_error("token shard '" + file + "' was made with another tokenizer (vocabulary " +
                               std::to_string(h.vocab_size) + ", fingerprint " + std::to_string(h.tokenizer_fingerprint) +
                               ") than this run's (vocabulary " + std::to_string(tokenizer.vocab_size()) +
                               ", fingerprint " + std::to_string(tokenizer.fingerprint()) +
                               "): run anvil prepare again with this run's tokenizer.path");
    tokens += shard->size();
    shards.push_back(std::move(shard));
  }
  if (tokens != split.tokens)
    throw std::runtime_error(what + " hold " + std::to_string(tokens) + " tokens where manifest.json lists " +
                             std::to_string(split.tokens) + ": a prepare did not finish; run anvil prepare again");
  return shards;
}

std::shared_ptr<const data::ShardBlocks> make_blocks(Shards shards, const ResolvedConfig& options, int64_t stride,
                                                     const std::string& what) {
  try {
    return std::make_shared<const data::ShardBlocks>(std::move(shards), options.model.block_size,
                                                     options.data.packing, stride);
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
}

}  // namespace

RunData load_shard_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) {
  if (config.data.sources.empty())
    throw std::runtime_error("data.shards is set but data.sources lists no source to read from it");
  if (!tokenizer) tokenizer = load_config_tokenizer(config);
  const ResolvedConfig options = resolve(config);
  RunData out;
  Shards val_shards;
  std::ostringstream description;
  for (const auto& source : options.data.sources) {
    const std::string& name = source.corpus.name;
    const std::string folder = config.data.shards + "/" + name;
    const auto val = data::shard_files(config.data.shards, name, "val");
    for (auto& shard : open_shards(val, *tokenizer, "the val shards of '" + folder + "'"))
      val_shards.push_back(std::move(shard));
    const auto train = data::shard_files(config.data.shards, name, "train");
    if (train.files.empty()) {
      if (source.corpus.split != data::SourceSplit::kVal)
        throw std::runtime_error("no training shards in '" + folder + "': run anvil prepare first");
      continue;  // a validation-only source
    }
    auto blocks = make_blocks(open_shards(train, *tokenizer, "the train shards of '" + folder + "'"), options,
                              options.data.stride, "'" + folder + "'");
    description << (out.train.empty() ? "" : " + ") << name << " (" << blocks->size() << " blocks, weight "
                << source.weight;
    // Blocks never span shards: shards barely longer than a block leave much unread.
    const double unused = static_cast<double>(blocks->unused_tokens()) / static_cast<double>(blocks->tokens());
    if (unused > 0.01)
      description << ", " << static_cast<int>(100 * unused) << "% of its tokens in shard tails no block reaches: "
                  << "raise data.shard_tokens";
    description << ")";
    out.train.push_back(std::move(blocks));
    out.weights.push_back(source.weight);
  }
  if (out.train.empty()) throw std::runtime_error("data.sources hold no training shards: every source is split: val");
  if (val_shards.empty())
    throw std::runtime_error("no validation shards under '" + config.data.shards +
                             "': set data.val_fraction > 0 or add a source with split: val, then run anvil prepare");
  const auto val = make_blocks(std::move(val_shards), options, options.model.block_size,
                               "validation shards under '" + config.data.shards + "'");
  out.val_tokens = val->stream();
  out.val_bytes_per_token = static_cast<double>(val->text_bytes()) / static_cast<double>(val->tokens());
  out.val = val;
  out.tokenizer = std::move(tokenizer);
  out.description = description.str() + ", " + config.data.packing + " packing";
  return out;
}

}  // namespace anvil::recipes
