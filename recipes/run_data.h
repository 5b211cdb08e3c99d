#pragma once
// Builds a run's data from its config: the tokenizer, the training sources
// the loader draws from, and the validation blocks. Two paths: a text file
// read whole (data.train), or token shards from anvil prepare (data.shards).
#include <memory>
#include <string>
#include <vector>

#include "data/block_dataset.h"
#include "data/pair_dataset.h"
#include "data/tokenizer.h"
#include "recipes/run_config.h"

namespace anvil::recipes {

struct RunData {
  std::unique_ptr<data::Tokenizer> tokenizer;
  std::vector<std::shared_ptr<const data::BlockDataset>> train;  // one per source, drawn by weight
  std::vector<double> weights;
  std::shared_ptr<const data::BlockDataset> val;
  torch::Tensor val_tokens;  // the whole validation stream, for sliding-window evaluation
  double val_bytes_per_token = 0.0;  // UTF-8 bytes of validation text per token, for bits per byte (0: n/a)
  std::vector<std::string> labels;   // classify: class names, in class-id order
  torch::Tensor class_weights;       // classify: per-class loss weights, or undefined
  // dpo: train[0] and val as what they are, so the run can attach each
  // pair's reference log-probabilities to them.
  std::shared_ptr<data::PairDataset> train_pairs, val_pairs;
  std::string description;  // one line for the run's header
};

// `tokenizer`: the one to encode with (e.g. from a checkpoint); null builds it
// from the config (a char vocabulary from the training text, or the
// sentencepiece model at tokenizer.path). Errors name the file.
RunData load_text_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer = nullptr);

// Memory-maps the shards of every data.sources entry under data.shards.
// Throws naming the shard when one was made with another tokenizer.
RunData load_shard_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer = nullptr);

// task.type sft or classify: jsonl, tsv or csv examples (data.train, and
// data.val or a seeded data.val_fraction of data.train). Errors name file and line.
RunData load_task_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer = nullptr);

// task.type dpo: preference pairs (data.train, and data.val or a seeded
// data.val_fraction of it), jsonl or .jsonl.gz. Errors name file and line.
RunData load_preference_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer = nullptr);

// sft: the text the model was tuned to answer, around a user's request (an
// alpaca instruction without input, a prompt, or a user message).
// The tokenizer the config names (tokenizer.type, path and chat_template).
std::unique_ptr<data::Tokenizer> load_config_tokenizer(const RunConfig& config);

std::string sft_prompt(const RunConfig& config, const data::Tokenizer& tokenizer, const std::string& request);

// The data of the task config.task.type names (recipes/tasks/).
RunData load_run_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer = nullptr);

}  // namespace anvil::recipes
