// The data of fine-tuning runs (task.type sft or classify): labeled files
// read into examples, held out by a seeded draw, batched padded or packed.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "data/delimited_file.h"
#include "data/example_dataset.h"
#include "data/prepare_shards.h"
#include "data/text_lines.h"
#include "recipes/run_data.h"

namespace anvil::recipes {
namespace {

using data::error_at;
using data::Example;
using data::TextPart;

struct Labeled {
  Example example;
  std::string label;  // classification only
  int64_t line;
};

// The template with each {key} slot replaced by its value, in one pass over
// the template: a value that itself holds "{input}" stays as written.
std::string fill(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t done = 0;
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    const auto value = values.find(text.substr(open + 1, close - open - 1));
    if (value == values.end()) continue;
    out.append(text, done, open - done).append(value->second);
    done = close + 1;
    open = close;
  }
  return out.append(text, done, std::string::npos);
}

const std::string& string_field(const nlohmann::json& record, const std::string& field, const std::string& path,
                                int64_t line) {
  const auto it = record.find(field);
  if (it == record.end())
    throw error_at(path, line, "no field '" + field + "' (fields: " + data::field_names(record) + ")");
  if (!it->is_string())
    throw error_at(path, line, "field '" + field + "' is not a string but " + std::string(it->type_name()));
  return it->get_ref<const std::string&>();
}

std::vector<TextPart> sft_parts(const nlohmann::json& record, const SftSection& s, const std::string& path,
                                int64_t line) {
  if (s.format == "alpaca") {
    const std::string& input = record.contains(s.input_field) ? string_field(record, s.input_field, path, line) : "";
    const std::string& instruction = string_field(record, s.instruction_field, path, line);
    const auto prompt = fill(input.empty() ? s.prompt_template_no_input : s.prompt_template,
                             {{"instruction", instruction}, {"input", input}});
    return {{prompt, false}, {string_field(record, s.output_field, path, line), true}};
  }
  if (s.format == "prompt_completion")
    return {{string_field(record, s.prompt_field, path, line), false},
            {string_field(record, s.completion_field, path, line), true}};
  const auto messages = record.find(s.messages_field);
  if (messages == record.end())
    throw error_at(path, line, "no field '" + s.messages_field + "' (fields: " + data::field_names(record) + ")");
  if (!messages->is_array())
    throw error_at(path, line, "field '" + s.messages_field + "' is not a list of messages but " +
                                   std::string(messages->type_name()));
  std::vector<TextPart> parts;
  for (const auto& m : *messages) {
    if (!m.is_object()) throw error_at(path, line, "a message is not an object with role and content");
    const std::string& role = string_field(m, "role", path, line);
    // A misspelt "assistant" would silently turn a response into prompt.
    if (role != "system" && role != "user" && role != "assistant" && role != "tool")
      throw error_at(path, line, "message role '" + role + "': expected system, user, assistant or tool");
    parts.push_back({fill(s.role_template, {{"role", role}}), false});
    parts.push_back({string_field(m, "content", path, line), role == "assistant"});
  }
  return parts;
}

std::vector<Labeled> read_sft(const std::string& path, const RunConfig& c, const data::Tokenizer& tokenizer) {
  std::vector<Labeled> out;
  data::for_each_json_record(path, c.data.invalid_utf8 == "replace", [&](const nlohmann::json& record, int64_t line) {
    out.push_back({data::encode_parts(sft_parts(record, c.sft, path, line), tokenizer), "", line});
  });
  return out;
}

std::string label_text(const nlohmann::json& value, const std::string& path, int64_t line) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  throw error_at(path, line, "the label is neither a string nor an integer");
}

// Texts and label names; the examples get their label ids once the label set is known.
std::vector<std::pair<Labeled, std::string>> read_classification(const std::string& path, const RunConfig& c) {
  std::vector<std::pair<Labeled, std::string>> out;
  const auto& f = c.classify;
  auto add = [&](const std::string& text, std::string label, int64_t line) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw error_at(path, line, "empty text");
    // "1 " and "1" are one class: spaces around a label are formatting.
    label.erase(0, label.find_first_not_of(" \t\r"));
    label.erase(label.find_last_not_of(" \t\r") + 1);
    if (label.empty()) throw error_at(path, line, "empty label");
    out.push_back({{{}, label, line}, text});
  };
  if (path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0) {
    data::for_each_json_record(path, c.data.invalid_utf8 == "replace", [&](const nlohmann::json& r, int64_t line) {
      const auto label = r.find(f.label_field);
      if (label == r.end())
        throw error_at(path, line, "no field '" + f.label_field + "' (fields: " + data::field_names(r) + ")");
      add(string_field(r, f.text_field, path, line), label_text(*label, path, line), line);
    });
    return out;
  }
  const data::Table table = data::read_table(path);
  const size_t text = table.column(f.text_field, path), label = table.column(f.label_field, path);
  for (size_t i = 0; i < table.rows.size(); ++i) add(table.rows[i][text], table.rows[i][label], table.lines[i]);
  return out;
}

// The label's value when the whole of it is an int64 in decimal.
std::optional<int64_t> integer_label(const std::string& s) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// The label set: the config's, or the training labels sorted (numerically when
// all are integers). A classifier needs two classes to tell apart.
std::vector<std::string> label_set(const RunConfig& c, const std::vector<std::pair<Labeled, std::string>>& train) {
  if (!c.classify.labels.empty()) return c.classify.labels;
  std::set<std::string> seen;
  for (const auto& [item, _] : train) seen.insert(item.label);
  if (seen.size() == 1)
    throw std::runtime_error("'" + c.data.train + "': every example has the label '" + *seen.begin() +
                             "': classification needs at least two (or list them in classify.labels)");
  std::vector<std::string> labels(seen.begin(), seen.end());
  if (std::all_of(labels.begin(), labels.end(), [](const std::string& l) { return integer_label(l).has_value(); }))
    std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return *integer_label(a) < *integer_label(b); });
  return labels;
}

std::vector<Labeled> encode_classification(std::vector<std::pair<Labeled, std::string>> items,
                                           const std::vector<std::string>& labels, const data::Tokenizer& tokenizer,
                                           const std::string& path) {
  std::vector<Labeled> out;
  for (auto& [item, text] : items) {
    const auto it = std::find(labels.begin(), labels.end(), item.label);
    if (it == labels.end()) {
      std::string list;
      for (const auto& l : labels) list += (list.empty() ? "" : ", ") + l;
      throw error_at(path, item.line, "label '" + item.label + "' is not one of the labels (" + list + ")");
    }
    item.example = data::encode_labeled(text, it - labels.begin(), tokenizer);
    out.push_back(std::move(item));
  }
  return out;
}

// Applies data.overlong. An example with nothing to train on is an error; with
// truncate, one whose prompt alone fills the block is left out and counted.
std::vector<Example> fit_to_block(std::vector<Labeled> items, const RunConfig& c, const std::string& path,
                                  int64_t& dropped) {
  const int64_t T = c.model.block_size;
  const bool classify = c.task.type == "classify";
  std::vector<Example> out;
  for (auto& item : items) {
    const auto length = static_cast<int64_t>(item.example.inputs.size());
    if (length > T && c.data.overlong != "truncate")
      throw error_at(path, item.line, "example of " + std::to_string(length) + " tokens exceeds model.block_size " +
                                          std::to_string(T) + " (data.overlong: truncate cuts it instead)");
    if (data::trained_tokens(item.example) == 0)
      throw error_at(path, item.line, "nothing to train on: no response tokens (check the template and fields)");
    data::truncate_example(item.example, T, classify);
    if (data::trained_tokens(item.example) == 0) {
      ++dropped;
      continue;
    }
    out.push_back(std::move(item.example));
  }
  return out;
}

std::vector<Labeled> read_examples(const std::string& path, const RunConfig& c, const data::Tokenizer& tokenizer,
                                   std::vector<std::string>& labels) {
  if (c.task.type == "sft") return read_sft(path, c, tokenizer);
  auto items = read_classification(path, c);
  if (labels.empty()) labels = label_set(c, items);
  return encode_classification(std::move(items), labels, tokenizer, path);
}

// Inverse class frequency, normalised to mean 1.
torch::Tensor balanced_weights(const std::vector<Example>& train, size_t classes) {
  std::vector<double> counts(classes, 0.0);
  for (const auto& e : train) counts[static_cast<size_t>(e.targets.back())] += 1;
  auto w = torch::tensor(counts, torch::kDouble).clamp_min(1).reciprocal();
  return (w * static_cast<double>(classes) / w.sum()).to(torch::kFloat);
}

}  // namespace

std::string sft_prompt(const RunConfig& config, const std::string& request) {
  const auto& s = config.sft;
  if (s.format == "alpaca") return fill(s.prompt_template_no_input, {{"instruction", request}, {"input", ""}});
  if (s.format == "prompt_completion") return request;
  return fill(s.role_template, {{"role", "user"}}) + request + fill(s.role_template, {{"role", "assistant"}});
}

RunData load_task_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) {
  if (!tokenizer) tokenizer = data::load_tokenizer(config.tokenizer.type, config.tokenizer.path);
  RunData out;
  auto train = read_examples(config.data.train, config, *tokenizer, out.labels);
  std::vector<Labeled> val;
  if (!config.data.val.empty()) {
    val = read_examples(config.data.val, config, *tokenizer, out.labels);
  } else {
    std::vector<Labeled> kept;
    for (size_t i = 0; i < train.size(); ++i)
      (data::holdout_draw(static_cast<uint64_t>(config.run.seed), 0, i) < config.data.val_fraction ? val : kept)
          .push_back(std::move(train[i]));
    train = std::move(kept);
  }
  const std::string val_source = config.data.val.empty() ? config.data.train : config.data.val;
  int64_t dropped = 0;
  auto train_examples = fit_to_block(std::move(train), config, config.data.train, dropped);
  auto val_examples = fit_to_block(std::move(val), config, val_source, dropped);
  if (train_examples.empty()) throw std::runtime_error("no training examples left in '" + config.data.train + "'");
  if (val_examples.empty()) throw std::runtime_error("no validation examples: raise data.val_fraction or set data.val");
  if (config.classify.class_weights == "balanced" && config.task.type == "classify")
    out.class_weights = balanced_weights(train_examples, out.labels.size());
  const bool pack = config.task.type == "sft" && config.sft.packing == "pack";
  const int32_t pad = std::max(0, tokenizer->eos_id());
  const auto n_train = train_examples.size(), n_val = val_examples.size();
  out.train = {std::make_shared<const data::ExampleDataset>(std::move(train_examples), config.model.block_size, pack, pad)};
  out.weights = {1.0};
  out.val = std::make_shared<const data::ExampleDataset>(std::move(val_examples), config.model.block_size, pack, pad);
  out.tokenizer = std::move(tokenizer);
  out.description = std::to_string(n_train) + " " + config.task.type + " examples from '" + config.data.train + "'" +
                    (pack ? " packed into " + std::to_string(out.train[0]->size()) + " rows" : "") + ", " +
                    std::to_string(n_val) + " for validation" +
                    (dropped ? ", " + std::to_string(dropped) + " left out: their prompt fills model.block_size" : "");
  return out;
}

}  // namespace anvil::recipes
