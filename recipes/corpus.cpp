#include "recipes/corpus.h"

#include "recipes/data_sources_yaml.h"

namespace anvil::recipes {

std::vector<data::CorpusSource> corpus_sources(const RunConfig& config) {
  std::vector<data::CorpusSource> out;
  for (const auto& s : config.data.sources) {
    data::DocumentSource documents;
    documents.path = s.path;
    documents.format = source_format(s);
    documents.delimiter = s.delimiter;
    documents.text_field = s.text_field;
    documents.replace_invalid_utf8 = config.data.invalid_utf8 == "replace";
    out.push_back({s.name, documents, s.split});
  }
  return out;
}

data::PrepareOptions prepare_options(const RunConfig& config) {
  data::PrepareOptions options;
  options.out_dir = config.data.shards;
  options.val_fraction = config.data.val_fraction;
  options.seed = static_cast<uint64_t>(config.run.seed);
  options.threads = config.run.threads;
  options.shard_tokens = config.data.shard_tokens;
  options.token_dtype = config.data.token_dtype;
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
  auto sources = corpus_sources(config);
  return [sources](const std::function<void(std::string_view)>& visit) {
    for (const auto& source : sources)
      if (source.split != "val") data::read_documents(source.documents, visit);
  };
}

}  // namespace anvil::recipes
