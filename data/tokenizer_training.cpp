#include "data/tokenizer_training.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "common/atomic_file.h"

namespace anvil::data {
namespace {

constexpr size_t kProgressLines = 10000;

// Hands sentencepiece the collected lines one at a time.
class LineIterator final : public sentencepiece::SentenceIterator {
 public:
  LineIterator(const std::vector<std::string>& lines, const TokenizerTrainingOptions& options)
      : lines_(lines), options_(options) {}
  bool done() const override { return index_ >= lines_.size(); }
  void Next() override {
    if (++index_ % kProgressLines == 0 && options_.on_progress)
      options_.on_progress(static_cast<int64_t>(index_), static_cast<int64_t>(lines_.size()));
  }
  const std::string& value() const override { return lines_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }  // default-constructed Status is OK

 private:
  const std::vector<std::string>& lines_;
  const TokenizerTrainingOptions& options_;
  size_t index_ = 0;
};

constexpr size_t kMaxLineBytes = 65536;

// sentencepiece trains on sentences, which for us are the non-empty lines of the documents.
std::vector<std::string> collect_lines(const DocumentStream& corpus, const TokenizerTrainingOptions& options) {
  std::vector<std::string> lines;
  corpus([&](std::string_view document) {
    size_t start = 0;
    while (start < document.size()) {
      const size_t end = std::min(document.find('\n', start), document.size());
      if (end > start) lines.emplace_back(document.substr(start, end - start));
      if (end > start && lines.size() % kProgressLines == 0 && options.on_progress)
        options.on_progress(static_cast<int64_t>(lines.size()), 0);
      start = end + 1;
    }
  });
  return lines;
}

std::string join_special_tokens(const std::vector<std::string>& tokens) {
  std::string joined;
  for (const auto& token : tokens) {
    // sentencepiece splits user_defined_symbols at commas and has no escape for them.
    if (token.empty() || token.find(',') != std::string::npos)
      throw std::runtime_error("special token '" + token + "' is empty or contains ',': sentencepiece cannot take it");
    joined += (joined.empty() ? "" : ",") + token;
  }
  return joined;
}

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(std::numeric_limits<double>::digits10);
  out << value;
  return out.str();
}

int64_t thread_count(int64_t requested) {
  if (requested > 0) return requested;
  // sentencepiece refuses more than 128 threads.
  return std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, 128);
}

std::unordered_map<std::string, std::string> trainer_arguments(const TokenizerTrainingOptions& options) {
  std::unordered_map<std::string, std::string> args = {
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"character_coverage", format_double(options.character_coverage)},
      {"byte_fallback", options.byte_fallback ? "true" : "false"},
      {"num_threads", std::to_string(thread_count(options.threads))},
      // Identity normalisation with whitespace kept is what makes decode(encode(text)) == text.
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      // No "▁" put before each text, which would make a special token alone encode to two ids.
      {"add_dummy_prefix", "false"},
      // Warnings and errors only; the INFO log prints every training step.
      {"minloglevel", "1"},
      // Lines up to 64 KiB train (the default skips any over 4 KiB, as many paragraphs are).
      {"max_sentence_length", std::to_string(kMaxLineBytes)},
  };
  // Training sees lines, so "\n" never becomes a piece; without byte
  // fallback every newline would encode as <unk>.
  auto symbols = options.special_tokens;
  if (!options.byte_fallback && std::find(symbols.begin(), symbols.end(), "\n") == symbols.end())
    symbols.push_back("\n");
  if (!symbols.empty()) args["user_defined_symbols"] = join_special_tokens(symbols);
  if (options.max_sentences > 0) {
    args["input_sentence_size"] = std::to_string(options.max_sentences);
    args["shuffle_input_sentence"] = "true";
  }
  return args;
}

void write_model(const std::string& serialized, const std::string& model_path) {
  const std::filesystem::path path(model_path);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  common::publish_file(path, serialized);  // whole or not at all
}

}  // namespace

TokenizerTrainingReport train_sentencepiece(const DocumentStream& corpus, const TokenizerTrainingOptions& options,
                                            const std::string& model_path) {
  const auto args = trainer_arguments(options);
  const std::vector<std::string> lines = collect_lines(corpus, options);
  if (std::none_of(lines.begin(), lines.end(), [](const std::string& l) { return l.size() <= kMaxLineBytes; }))
    throw std::runtime_error("no line to train on: sentencepiece learns from lines of at most " +
                             std::to_string(kMaxLineBytes) + " bytes, and the training documents have " +
                             (lines.empty() ? "none (are all sources split: val?)" : "only longer ones"));
  LineIterator iterator(lines, options);
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &iterator, &serialized);
  if (!status.ok()) throw std::runtime_error("sentencepiece training failed: " + status.ToString());

  sentencepiece::SentencePieceProcessor processor;
  const auto loaded = processor.LoadFromSerializedProto(serialized);
  if (!loaded.ok()) throw std::runtime_error("sentencepiece produced an unreadable model: " + loaded.ToString());
  write_model(serialized, model_path);

  TokenizerTrainingReport report;
  const auto count = static_cast<int64_t>(lines.size());
  report.sentences = options.max_sentences > 0 ? std::min(count, options.max_sentences) : count;
  report.vocab_size = processor.GetPieceSize();
  return report;
}

}  // namespace anvil::data
