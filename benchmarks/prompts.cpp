#include "benchmarks/prompts.h"

#include <stdexcept>

#include "benchmarks/python_literal.h"
#include "chat/python_str.h"
#include "chat/template.h"
#include "tokenizers/regex.h"

namespace anvil::benchmarks {
namespace {

// A doc_to_* entry: the name of a document field, taken as it is, or a
// template over the fields (the harness's `doc_to_text in self.features`).
class DocField {
 public:
  DocField(const std::string& source, const std::string& name)
      : source_(source), template_(source, name, chat::Dialect::kStrict) {}
  bool empty() const { return source_.empty(); }
  bool names_field(const Doc& doc) const { return doc.contains(source_); }
  const Doc& field(const Doc& doc) const { return doc.at(source_); }
  std::string render(const Doc& doc) const { return template_.render(doc); }

 private:
  std::string source_;
  chat::Template template_;
};

bool is_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

bool looks_like_list(const std::string& s) { return s.size() >= 2 && s.front() == '[' && s.back() == ']'; }

std::string apply_steps(std::string text, const std::vector<TextStep>& steps,
                        const std::vector<tokenizers::Regex>& regexes) {
  size_t next_regex = 0;
  for (const auto& step : steps) {
    switch (step.kind) {
      case TextStep::Kind::kStrip: text = chat::py_strip(text, std::nullopt, true, true); break;
      case TextStep::Kind::kReplace: text = chat::py_replace(text, step.pattern, step.replacement, -1); break;
      case TextStep::Kind::kRegexReplace: {
        std::vector<std::pair<size_t, size_t>> matches;
        regexes[next_regex++].find_all(text, matches);
        std::string out;
        size_t at = 0;
        for (const auto& [begin, end] : matches) {
          out.append(text, at, begin - at);
          out += step.replacement;
          at = end;
        }
        out.append(text, at, std::string::npos);
        text = std::move(out);
        break;
      }
    }
  }
  return text;
}

}  // namespace

struct PromptBuilder::Templates {
  DocField text, target, choice, description;
  std::vector<std::pair<std::string, DocField>> processed;
  std::vector<tokenizers::Regex> regexes;  // the kRegexReplace steps', in order

  explicit Templates(const BenchmarkSpec& spec)
      : text(spec.doc_to_text, spec.name + ": doc_to_text"),
        target(spec.doc_to_target, spec.name + ": doc_to_target"),
        choice(spec.doc_to_choice, spec.name + ": doc_to_choice"),
        description(spec.description, spec.name + ": description") {
    for (const auto& [name, source] : spec.process_docs.fields)
      processed.emplace_back(name, DocField(source, spec.name + ": process_docs." + name));
    for (const auto& step : spec.process_docs.steps)
      if (step.kind == TextStep::Kind::kRegexReplace) regexes.emplace_back(step.pattern);
  }
};

PromptBuilder::PromptBuilder(const BenchmarkSpec& spec, std::vector<Doc> fewshot_docs, bool same_split)
    : spec_(spec),
      templates_(std::make_unique<Templates>(spec)),
      fewshot_docs_(std::move(fewshot_docs)),
      same_split_(same_split),
      random_(spec.fewshot_seed) {
  for (auto& doc : fewshot_docs_) doc = processed(std::move(doc));
}

PromptBuilder::~PromptBuilder() = default;

Doc PromptBuilder::processed(Doc doc) const {
  for (const auto& [name, field] : templates_->processed) {
    Doc value = field.names_field(doc) ? field.field(doc) : Doc(field.render(doc));
    if (value.is_string() && looks_like_list(value.get<std::string>())) {
      try {
        value = parse_python_literal(value.get<std::string>());
      } catch (const std::invalid_argument&) {
      }
    }
    if (value.is_string()) value = apply_steps(value.get<std::string>(), spec_.process_docs.steps, templates_->regexes);
    if (value.is_array())
      for (auto& item : value)
        if (item.is_string()) item = apply_steps(item.get<std::string>(), spec_.process_docs.steps, templates_->regexes);
    doc[name] = std::move(value);
  }
  return doc;
}

namespace {

// doc_to_text: a string, or with choices an index (multiple inputs).
Doc text_of(const DocField& text, const Doc& doc, bool has_choices) {
  if (text.names_field(doc)) return text.field(doc);
  std::string s = text.render(doc);
  if (is_digits(s) && has_choices) return parse_python_literal(s);
  return s;
}

// doc_to_target: an index, a string or a list, as the harness casts it.
Doc target_of(const DocField& target, const Doc& doc, bool has_choices) {
  if (target.names_field(doc)) return target.field(doc);
  std::string s = target.render(doc);
  if (is_digits(s) && has_choices) return parse_python_literal(s);
  if (looks_like_list(s)) {
    try {
      return parse_python_literal(s);
    } catch (const std::invalid_argument&) {
    }
  }
  return s;
}

std::vector<std::string> strings_of(const Doc& value, const std::string& what) {
  if (!value.is_array()) throw std::runtime_error(what + " is not a list: " + value.dump());
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) throw std::runtime_error(what + " holds a non-string: " + item.dump());
    out.push_back(item.get<std::string>());
  }
  return out;
}

// The choice a gold names: an index, a choice's text, or a list of either. Where the harness scores a gold
// outside the choices as wrong with a warning, that is an error here: the dataset and the task disagree.
std::vector<int64_t> gold_indices(const Doc& gold, const std::vector<std::string>& choices) {
  if (gold.is_array()) {
    std::vector<int64_t> all;
    for (const auto& g : gold) all.push_back(gold_indices(g, choices).at(0));
    if (all.empty()) throw std::runtime_error("doc_to_target gave an empty list");
    return all;
  }
  const auto n = static_cast<int64_t>(choices.size());
  if (gold.is_number_integer()) {
    const auto g = gold.get<int64_t>();
    if (g < 0 || g >= n)
      throw std::runtime_error("the gold index " + std::to_string(g) + " is not one of the " + std::to_string(n) +
                               " choices");
    return {g};
  }
  if (gold.is_string())
    for (int64_t i = 0; i < n; ++i)
      if (choices[static_cast<size_t>(i)] == gold.get<std::string>()) return {i};
  throw std::runtime_error("the gold answer " + gold.dump() + " is not one of the choices");
}

}  // namespace

DocRequests PromptBuilder::build(const Doc& doc) {
  const auto& t = *templates_;
  const bool has_choices = !t.choice.empty() || !spec_.choices.empty();
  const std::string what = spec_.name + " (" + spec_.source + ")";
  auto choices_of = [&](const Doc& d) {
    if (!spec_.choices.empty()) return spec_.choices;
    if (t.choice.names_field(d)) return strings_of(t.choice.field(d), what + ": doc_to_choice");
    return strings_of(parse_python_literal(t.choice.render(d)), what + ": doc_to_choice");
  };
  // An answer as the harness writes it after a few-shot question.
  auto answer_of = [&](const Doc& target, const std::vector<std::string>& choices) -> std::string {
    if (!choices.empty() && target.is_number_integer()) {
      const auto i = target.get<int64_t>();
      if (i < 0 || i >= static_cast<int64_t>(choices.size()))
        throw std::runtime_error(what + ": few-shot target " + std::to_string(i) + " is not a choice index");
      return choices[static_cast<size_t>(i)];
    }
    if (target.is_array() && !target.empty()) return target[0].is_string() ? target[0].get<std::string>() : target[0].dump();
    if (target.is_string()) return target.get<std::string>();
    return target.dump();
  };

  // The description, like doc_to_text, names a field or is a template over the document's.
  std::string prefix;
  if (!t.description.empty())
    prefix = t.description.names_field(doc) ? t.description.field(doc).get<std::string>() : t.description.render(doc);
  if (spec_.num_fewshot > 0) {
    const auto n = static_cast<size_t>(spec_.num_fewshot);
    std::vector<size_t> picked = random_.sample(fewshot_docs_.size(), same_split_ ? std::min(n + 1, fewshot_docs_.size()) : n);
    std::vector<const Doc*> shots;
    for (size_t i : picked)
      if (!same_split_ || fewshot_docs_[i] != doc) shots.push_back(&fewshot_docs_[i]);
    if (shots.size() > n) shots.resize(n);
    for (const Doc* shot : shots) {
      const auto choices = has_choices ? choices_of(*shot) : std::vector<std::string>{};
      Doc q = text_of(t.text, *shot, has_choices);
      const Doc a = target_of(t.target, *shot, has_choices);
      std::string question;
      std::string answer;
      if (q.is_number_integer()) {  // multiple inputs: the question is the gold choice, the answer the target
        question = choices.at(static_cast<size_t>(q.get<int64_t>()));
        answer = answer_of(a, {});
      } else {
        question = q.get<std::string>();
        answer = answer_of(a, choices);
      }
      prefix += question + spec_.target_delimiter + answer + spec_.fewshot_delimiter;
    }
  }

  DocRequests out;
  const Doc text = text_of(t.text, doc, has_choices);
  const Doc target = t.target.empty() ? Doc() : target_of(t.target, doc, has_choices);
  switch (spec_.output_type) {
    case OutputType::kMultipleChoice: {
      out.choices = choices_of(doc);
      if (text.is_number_integer()) {  // Winogrande: one context per choice, one shared continuation
        const std::string continuation = spec_.target_delimiter + (target.is_string() ? target.get<std::string>() : target.dump());
        for (const auto& choice : out.choices) out.requests.push_back({prefix + choice, continuation});
        out.golds = gold_indices(text, out.choices);
      } else {
        if (!text.is_string()) throw std::runtime_error(what + ": doc_to_text gave " + text.dump());
        for (const auto& choice : out.choices)
          out.requests.push_back({prefix + text.get<std::string>(), spec_.target_delimiter + choice});
        out.golds = gold_indices(target, out.choices);
      }
      break;
    }
    case OutputType::kLoglikelihood:
    case OutputType::kGenerateUntil: {
      if (!text.is_string()) throw std::runtime_error(what + ": doc_to_text gave " + text.dump());
      out.target = target.is_string() ? target.get<std::string>() : answer_of(target, has_choices ? choices_of(doc) : std::vector<std::string>{});
      const std::string continuation = spec_.output_type == OutputType::kLoglikelihood ? out.target : "";
      out.requests.push_back({prefix + text.get<std::string>(), continuation});
      break;
    }
  }
  return out;
}

}  // namespace anvil::benchmarks
