#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/console.h"

#include "data/prepare_shards.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "recipes/corpus.h"
#include "recipes/resolved_config.h"
#include "recipes/run_data.h"

namespace anvil::cli {
namespace {

// The sources' file sizes, which their documents' text about fills (jsonl's
// keys and escapes aside): the progress line's total.
int64_t source_file_bytes(const std::vector<data::CorpusSource>& sources) {
  int64_t bytes = 0;
  for (const auto& source : sources)
    for (const auto& file : data::expand_glob(source.documents.path)) {
      std::error_code error;
      const auto size = std::filesystem::file_size(file, error);
      if (!error) bytes += static_cast<int64_t>(size);
    }
  return bytes;
}

}  // namespace

int prepare_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil prepare CONFIG [key.path=value ...]\n\n"
        "Tokenizes data.sources with tokenizer.path into token shards under data.shards, in parallel\n"
        "(run.threads; 0: all cores), holding out data.val_fraction of each source's documents.");
    return 0;
  }
  const auto config = load_config_args(args, recipes::ConfigUse::kPrepare).config;
  const auto tokenizer = recipes::load_config_tokenizer(config);
  common::say("anvil prepare -> %s (vocabulary %lld)", config.data.shards.c_str(),
              static_cast<long long>(tokenizer->vocab_size()));
  const auto corpus = recipes::corpus_sources(config);
  auto options = recipes::prepare_options(config);
  data::PrepareReport report;
  {
    common::ProgressLine progress("prepare", source_file_bytes(corpus), "byte");
    options.on_progress = [&](int64_t bytes) { progress.update(bytes); };
    report = data::prepare_shards(corpus, *tokenizer, options);
  }
  const auto sources = recipes::resolve(config).data.sources;
  int64_t tokens = 0, bytes = 0, val_documents = 0;
  for (size_t i = 0; i < report.sources.size(); ++i) {
    const auto& s = report.sources[i];
    common::say("  %-16s train %9lld docs %11lld tokens | val %8lld docs %10lld tokens", s.name.c_str(),
                (long long)s.train.documents, (long long)s.train.tokens, (long long)s.val.documents,
                (long long)s.val.tokens);
    if (s.train.documents == 0 && sources[i].corpus.split == data::SourceSplit::kAuto)
      std::fprintf(stderr, "warning: source '%s' has no training documents: its %lld went to validation "
                   "(a source of one document, say: split it with a delimiter, or set its split)\n",
                   s.name.c_str(), (long long)s.val.documents);
    tokens += s.train.tokens + s.val.tokens;
    bytes += s.train.text_bytes + s.val.text_bytes;
    val_documents += s.val.documents;
  }
  if (val_documents == 0)
    std::fprintf(stderr, "warning: no validation documents, which anvil train needs: raise data.val_fraction, "
                 "split the sources into more documents (a delimiter), or add a source with split: val\n");
  const double per_second = static_cast<double>(tokens) / report.seconds;
  common::say("done: %lld tokens from %.1f MB of text in %.2f s on %lld threads | %.0fk tokens/s (%.0fk per thread)",
              (long long)tokens, static_cast<double>(bytes) / 1e6, report.seconds, (long long)report.threads,
              per_second / 1e3, per_second / 1e3 / static_cast<double>(report.threads));
  return 0;
}

}  // namespace anvil::cli
