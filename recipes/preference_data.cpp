// The data of preference tuning (task.type dpo): pairs read from jsonl
// (data/preference_pairs), held out by the same seeded draw as sft, fitted to
// the block, batched as chosen and rejected rows (data/pair_dataset).
#include <algorithm>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "data/pair_dataset.h"
#include "data/text_lines.h"
#include "recipes/held_out.h"
#include "recipes/resolved_config.h"
#include "recipes/run_data.h"

namespace anvil::recipes {
namespace {

struct NumberedPair {
  data::PairExample pair;
  int64_t line;
};

// What was left out, and why: printed in the run's header, never silent.
struct LeftOut {
  std::map<std::string, int64_t> counts;
  void add(const std::string& why) { ++counts[why]; }
  std::string describe() const {
    std::string out;
    for (const auto& [why, n] : counts) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + why;
    return out;
  }
};

// The config's choices this file acts on, resolved once.
struct PairDataOptions {
  data::PairOptions pairs;
  bool replace_invalid_utf8 = false;
  bool truncate_overlong = false;
  int64_t block_size = 0;
};

PairDataOptions pair_data_options(const RunConfig& c) {
  const ResolvedConfig r = resolve(c);
  PairDataOptions o;
  o.pairs.format = r.pair_format;
  o.pairs.prompt_field = c.dpo.prompt_field;
  o.pairs.chosen_field = c.dpo.chosen_field;
  o.pairs.rejected_field = c.dpo.rejected_field;
  o.pairs.response_marker = c.dpo.response_marker;
  o.replace_invalid_utf8 = r.data.replace_invalid_utf8;
  o.truncate_overlong = r.data.truncate_overlong;
  o.block_size = c.model.block_size;
  return o;
}

std::vector<NumberedPair> read_pairs(const std::string& path, const PairDataOptions& o,
                                     const data::Tokenizer& tokenizer, LeftOut& left_out) {
  std::vector<NumberedPair> out;
  data::for_each_json_record(path, o.replace_invalid_utf8,
                             [&](const nlohmann::ordered_json& record, int64_t line) {
                               data::PairSkip skip{};
                               auto pair = data::pair_example(record, o.pairs, tokenizer, path, line, &skip);
                               if (pair) out.push_back({std::move(*pair), line});
                               else left_out.add(skip == data::PairSkip::kIdentical ? "identical" : "without a shared prompt");
                             });
  return out;
}

// Applies data.overlong to both rows of each pair. With truncate, a pair
// whose prompt fills the block, or whose responses become the same, is left out.
std::vector<data::PairExample> fit_to_block(std::vector<NumberedPair> items, const PairDataOptions& o,
                                            const std::string& path, LeftOut& left_out) {
  const int64_t T = o.block_size;
  const bool truncate = o.truncate_overlong;
  std::vector<data::PairExample> out;
  for (auto& item : items) {
    for (auto* row : {&item.pair.chosen, &item.pair.rejected}) {
      const auto length = static_cast<int64_t>(row->inputs.size());
      if (length > T && !truncate)
        throw data::error_at(path, item.line, "a response row of " + std::to_string(length) +
                                                  " tokens exceeds model.block_size " + std::to_string(T) +
                                                  " (data.overlong: truncate cuts it instead)");
      if (data::trained_tokens(*row) == 0)
        throw data::error_at(path, item.line, "a response with no tokens to train on");
      data::truncate_example(*row, T, /*classification=*/false);
    }
    if (data::trained_tokens(item.pair.chosen) == 0 || data::trained_tokens(item.pair.rejected) == 0) {
      left_out.add("whose prompt fills model.block_size");
      continue;
    }
    if (item.pair.chosen.targets == item.pair.rejected.targets) {
      left_out.add("identical once cut to model.block_size");
      continue;
    }
    out.push_back(std::move(item.pair));
  }
  return out;
}

}  // namespace

RunData load_preference_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) {
  if (!tokenizer) tokenizer = load_config_tokenizer(config);
  const PairDataOptions options = pair_data_options(config);
  LeftOut left_out;
  auto train = read_pairs(config.data.train, options, *tokenizer, left_out);
  auto val = config.data.val.empty() ? hold_out(train, config.run.seed, config.data.val_fraction)
                                      : read_pairs(config.data.val, options, *tokenizer, left_out);
  const std::string val_source = config.data.val.empty() ? config.data.train : config.data.val;
  auto train_pairs = fit_to_block(std::move(train), options, config.data.train, left_out);
  auto val_pairs = fit_to_block(std::move(val), options, val_source, left_out);
  if (train_pairs.empty()) throw std::runtime_error("no training pairs left in '" + config.data.train + "'");
  if (val_pairs.empty()) throw std::runtime_error("no validation pairs: raise data.val_fraction or set data.val");
  const int32_t pad = std::max(0, tokenizer->eos_id());
  const auto n_train = train_pairs.size(), n_val = val_pairs.size();
  RunData out;
  out.train_pairs = std::make_shared<data::PairDataset>(std::move(train_pairs), config.model.block_size, pad);
  out.val_pairs = std::make_shared<data::PairDataset>(std::move(val_pairs), config.model.block_size, pad);
  out.train = {out.train_pairs};
  out.weights = {1.0};
  out.val = out.val_pairs;
  out.tokenizer = std::move(tokenizer);
  const auto dropped = left_out.describe();
  out.description = std::to_string(n_train) + " preference pairs from '" + config.data.train + "', " +
                    std::to_string(n_val) + " for validation" + (dropped.empty() ? "" : "; left out: " + dropped);
  return out;
}

}  // namespace anvil::recipes
