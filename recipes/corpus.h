#pragma once
// The config's data.sources as the data layer's corpus descriptions, for
// anvil prepare and anvil tokenizer train.
#include <vector>

#include "data/prepare_shards.h"
#include "data/tokenizer_training.h"
#include "recipes/run_config.h"

namespace anvil::recipes {

std::vector<data::CorpusSource> corpus_sources(const RunConfig& config);
data::PrepareOptions prepare_options(const RunConfig& config);
data::TokenizerTrainingOptions tokenizer_training_options(const RunConfig& config);

// Every document of the sources a tokenizer learns from: all but those with
// split: val. (Documents of split: auto sources that prepare later holds out
// are among them: the split is drawn per document at prepare time.)
data::DocumentStream tokenizer_corpus(const RunConfig& config);

}  // namespace anvil::recipes
