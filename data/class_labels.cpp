#include "data/class_labels.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "data/delimited_file.h"
#include "data/record_fields.h"
#include "data/text_lines.h"

namespace anvil::data {
namespace {

bool is_jsonl(const std::string& path) {
  return path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
}

std::string label_text(const nlohmann::json& value, const std::string& path, int64_t line) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  throw error_at(path, line, "the label is neither a string nor an integer");
}

LabeledText labeled_text(const std::string& text, std::string label, const std::string& path, int64_t line) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw error_at(path, line, "empty text");
  label.erase(0, label.find_first_not_of(" \t\r"));
  label.erase(label.find_last_not_of(" \t\r") + 1);
  if (label.empty()) throw error_at(path, line, "empty label");
  return {text, label, line};
}

// The label's value when the whole of it is an int64 in decimal.
std::optional<int64_t> integer_label(const std::string& s) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::vector<LabeledText> read_labeled_texts(const std::string& path, const ClassificationOptions& options,
                                            bool replace_invalid_utf8) {
  std::vector<LabeledText> out;
  if (is_jsonl(path)) {
    for_each_json_record(path, replace_invalid_utf8, [&](const nlohmann::ordered_json& r, int64_t line) {
      const auto field = r.find(options.label_field);
      if (field == r.end())
        throw error_at(path, line, "no field '" + options.label_field + "' (fields: " + field_names(r) + ")");
      std::string label = label_text(*field, path, line);  // checked before the text
      out.push_back(labeled_text(string_field(r, options.text_field, path, line), std::move(label), path, line));
    });
    return out;
  }
  const Table table = read_table(path);
  const size_t text = table.column(options.text_field, path), label = table.column(options.label_field, path);
  for (size_t i = 0; i < table.rows.size(); ++i)
    out.push_back(labeled_text(table.rows[i][text], table.rows[i][label], path, table.lines[i]));
  return out;
}

std::vector<std::string> class_labels(const std::vector<LabeledText>& train, const ClassificationOptions& options,
                                      const std::string& train_path) {
  if (!options.labels.empty()) return options.labels;
  std::set<std::string> seen;
  for (const auto& item : train) seen.insert(item.label);
  if (seen.size() == 1)
    throw std::runtime_error("'" + train_path + "': every example has the label '" + *seen.begin() +
                             "': classification needs at least two (or list them in classify.labels)");
  std::vector<std::string> labels(seen.begin(), seen.end());
  if (std::all_of(labels.begin(), labels.end(), [](const std::string& l) { return integer_label(l).has_value(); }))
    std::sort(labels.begin(), labels.end(),
              [](const auto& a, const auto& b) { return *integer_label(a) < *integer_label(b); });
  return labels;
}

Example class_example(const LabeledText& item, const std::vector<std::string>& labels, const Tokenizer& tokenizer,
                      const std::string& path) {
  const auto it = std::find(labels.begin(), labels.end(), item.label);
  if (it == labels.end()) {
    std::string list;
    for (const auto& l : labels) list += (list.empty() ? "" : ", ") + l;
    throw error_at(path, item.line, "label '" + item.label + "' is not one of the labels (" + list + ")");
  }
  return encode_labeled(item.text, it - labels.begin(), tokenizer);
}

torch::Tensor balanced_class_weights(const std::vector<Example>& train, size_t classes) {
  std::vector<double> counts(classes, 0.0);
  for (const auto& e : train) counts[static_cast<size_t>(e.targets.back())] += 1;
  auto w = torch::tensor(counts, torch::kDouble).clamp_min(1).reciprocal();
  return (w * static_cast<double>(classes) / w.sum()).to(torch::kFloat);
}

}  // namespace anvil::data
