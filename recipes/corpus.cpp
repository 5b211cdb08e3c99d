#include "recipes/corpus.h"

#include "recipes/resolved_config.h"

namespace anvil::recipes {

std::vector<data::CorpusSource> corpus_sources(const RunConfig& config) {
  std::vector<data::CorpusSource> out;
  for (const auto& source : resolve(config).data.sources) out.push_back(source.corpus);
  return out;
}

data::PrepareOptions prepare_options(const RunConfig& config) {
  data::PrepareOptions options;
  options.out_dir = config.data.shards;
  options.val_fraction = config.data.val_fraction;
  options.seed = static_cast<uint64_t>(config.run.seed);
  options.threads = config.run.threads;
  options.shard_tokens = config.data.shard_tokens;
  options.token_dtype = resolve(config).data.token_dtype;
  return options;
}

data::TokenizerTrainingOptions tokenizer_training_options(const RunConfig& config) {
  const auto& t = config.tokenizer;
  data::TokenizerTrainingOptions options;
  options.model_type = t.model_type;
  options.vocab_size = t.vocab_size;
  options.character_coverage = t.character_coverage;
  options.byte_fallback = t.byte_fallback;
  options.special_tokens = t.special_tokens;
  options.max_sentences = t.max_sentences;
  options.threads = config.run.threads;
  options.seed = static_cast<uint64_t>(config.run.seed);
  return options;
}

data::DocumentStream tokenizer_corpus(const RunConfig& config) {
  auto sources = resolve(config).data.sources;
  return [sources](const std::function<void(std::string_view)>& visit) {
    for (const auto& source : sources)
      if (source.corpus.split != data::SourceSplit::kVal) data::read_documents(source.corpus.documents, visit);
  };
}

}  // namespace anvil::recipes
