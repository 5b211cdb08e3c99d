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
  DocField text, target, choice;
  std::vector<std::pair<std::string, DocField>> processed;
  std::vector<tokenizers::Regex> regexes;  // the kRegexReplace steps', in order

  explicit Templates(const BenchmarkSpec& spec)
      : text(spec.doc_to_text, spec.name + ": doc_to_text"),
        target(spec.doc_to_target, spec.name + ": doc_to_target"),
        choice(spec.doc_to_choice, spec.name + ": doc_to_choice") {
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

  std::string prefix = spec_.description;
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
        const auto g = text.get<int64_t>();
        out.gold = g >= 0 && g < static_cast<int64_t>(out.choices.size()) ? g : -100;
      } else {
        if (!text.is_string()) throw std::runtime_error(what + ": doc_to_text gave " + text.dump());
        for (const auto& choice : out.choices)
          out.requests.push_back({prefix + text.get<std::string>(), spec_.target_delimiter + choice});
        if (target.is_number_integer()) {
          const auto g = target.get<int64_t>();
          out.gold = g >= 0 && g < static_cast<int64_t>(out.choices.size()) ? g : -100;
        } else if (target.is_string()) {
          for (size_t i = 0; i < out.choices.size() && out.gold == -100; ++i)
            if (out.choices[i] == target.get<std::string>()) out.gold = static_cast<int64_t>(i);
        }
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
