// The data of fine-tuning runs (task.type sft or classify): labeled files
// read into examples (data/sft_examples, data/class_labels), held out by a
// seeded draw, fitted to the block, batched padded or packed.
#include <algorithm>
#include <stdexcept>

#include <nlohmann/json_fwd.hpp>

#include "data/class_labels.h"
#include "data/example_dataset.h"
#include "data/sft_examples.h"
#include "data/text_lines.h"
#include "recipes/held_out.h"
#include "recipes/resolved_config.h"
#include "recipes/run_data.h"

namespace anvil::recipes {
namespace {

using data::error_at;
using data::Example;

struct NumberedExample {
  Example example;
  int64_t line;  // where it starts in its file
};

// The config's choices this file acts on, read from it once.
struct TaskDataOptions {
  bool classify = false;  // else sft
  data::SftOptions sft;
  data::ClassificationOptions classification;
  bool replace_invalid_utf8 = false;
  int64_t block_size = 0;
  bool truncate_overlong = false;
  bool pack = false;
  bool balanced_class_weights = false;
};

data::SftOptions sft_options(const SftSection& s, data::SftFormat format) {
  data::SftOptions o;
  o.format = format;
  o.prompt_template = s.prompt_template;
  o.prompt_template_no_input = s.prompt_template_no_input;
  o.instruction_field = s.instruction_field;
  o.input_field = s.input_field;
  o.output_field = s.output_field;
  o.prompt_field = s.prompt_field;
  o.completion_field = s.completion_field;
  o.messages_field = s.messages_field;
  o.role_template = s.role_template;
  return o;
}

data::ClassificationOptions classification_options(const ClassifySection& c) {
  return {c.text_field, c.label_field, c.labels};
}

TaskDataOptions task_data_options(const RunConfig& c) {
  const ResolvedConfig r = resolve(c);
  TaskDataOptions o;
  o.classify = r.task == TaskKind::kClassify;
  if (o.classify) o.classification = classification_options(c.classify);
  else o.sft = sft_options(c.sft, r.sft_format);
  o.replace_invalid_utf8 = r.data.replace_invalid_utf8;
  o.block_size = c.model.block_size;
  o.truncate_overlong = r.data.truncate_overlong;
  o.pack = !o.classify && r.sft_packing == SftPacking::kPack;
  o.balanced_class_weights = o.classify && r.class_weights == ClassWeights::kBalanced;
  return o;
}

std::vector<NumberedExample> read_sft(const std::string& path, const TaskDataOptions& o,
                                      const data::Tokenizer& tokenizer) {
  std::vector<NumberedExample> out;
  data::for_each_json_record(path, o.replace_invalid_utf8, [&](const nlohmann::ordered_json& record, int64_t line) {
    out.push_back({data::sft_example(record, o.sft, tokenizer, path, line), line});
  });
  return out;
}

// The first file read (the training data) decides the labels when the config lists none.
std::vector<NumberedExample> read_classification(const std::string& path, const TaskDataOptions& o,
                                                 const data::Tokenizer& tokenizer, std::vector<std::string>& labels) {
  const auto items = data::read_labeled_texts(path, o.classification, o.replace_invalid_utf8);
  if (labels.empty()) labels = data::class_labels(items, o.classification, path);
  std::vector<NumberedExample> out;
  for (const auto& item : items) out.push_back({data::class_example(item, labels, tokenizer, path), item.line});
  return out;
}

std::vector<NumberedExample> read_examples(const std::string& path, const TaskDataOptions& o,
                                           const data::Tokenizer& tokenizer, std::vector<std::string>& labels) {
  return o.classify ? read_classification(path, o, tokenizer, labels) : read_sft(path, o, tokenizer);
}

// Applies data.overlong. An example with nothing to train on is an error; with
// truncate, one whose prompt alone fills the block is left out and counted.
std::vector<Example> fit_to_block(std::vector<NumberedExample> items, const TaskDataOptions& o,
                                  const std::string& path, int64_t& dropped) {
  const int64_t T = o.block_size;
  std::vector<Example> out;
  for (auto& item : items) {
    const auto length = static_cast<int64_t>(item.example.inputs.size());
    if (length > T && !o.truncate_overlong)
      throw error_at(path, item.line, "example of " + std::to_string(length) + " tokens exceeds model.block_size " +
                                          std::to_string(T) + " (data.overlong: truncate cuts it instead)");
    if (data::trained_tokens(item.example) == 0)
      throw error_at(path, item.line, "nothing to train on: no response tokens (check the template and fields)");
    data::truncate_example(item.example, T, o.classify);
    if (data::trained_tokens(item.example) == 0) {
      ++dropped;
      continue;
    }
    out.push_back(std::move(item.example));
  }
  return out;
}

}  // namespace

std::unique_ptr<data::Tokenizer> load_config_tokenizer(const RunConfig& config) {
  const auto& t = config.tokenizer;
  return data::load_tokenizer(t.type, t.path, t.chat_template);
}

std::string sft_prompt(const RunConfig& config, const data::Tokenizer& tokenizer, const std::string& request) {
  return data::sft_prompt(sft_options(config.sft, resolve(config).sft_format), tokenizer, request);
}

RunData load_task_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) {
  if (!tokenizer) tokenizer = load_config_tokenizer(config);
  const TaskDataOptions options = task_data_options(config);
  RunData out;
  auto train = read_examples(config.data.train, options, *tokenizer, out.labels);
  auto val = config.data.val.empty() ? hold_out(train, config.run.seed, config.data.val_fraction)
                                      : read_examples(config.data.val, options, *tokenizer, out.labels);
  const std::string val_source = config.data.val.empty() ? config.data.train : config.data.val;
  int64_t dropped = 0;
  auto train_examples = fit_to_block(std::move(train), options, config.data.train, dropped);
  auto val_examples = fit_to_block(std::move(val), options, val_source, dropped);
  if (train_examples.empty()) throw std::runtime_error("no training examples left in '" + config.data.train + "'");
  if (val_examples.empty()) throw std::runtime_error("no validation examples: raise data.val_fraction or set data.val");
  if (options.balanced_class_weights)
    out.class_weights = data::balanced_class_weights(train_examples, out.labels.size());
  const int32_t pad = std::max(0, tokenizer->eos_id());
  const auto n_train = train_examples.size(), n_val = val_examples.size();
  const int64_t T = options.block_size;
  out.train = {std::make_shared<const data::ExampleDataset>(std::move(train_examples), T, options.pack, pad)};
  out.weights = {1.0};
  out.val = std::make_shared<const data::ExampleDataset>(std::move(val_examples), T, options.pack, pad);
  out.tokenizer = std::move(tokenizer);
  out.description = std::to_string(n_train) + " " + config.task.type + " examples from '" + config.data.train + "'" +
                    (options.pack ? " packed into " + std::to_string(out.train[0]->size()) + " rows" : "") + ", " +
                    std::to_string(n_val) + " for validation" +
                    (dropped ? ", " + std::to_string(dropped) + " left out: their prompt fills model.block_size" : "");
  return out;
}

}  // namespace anvil::recipes
