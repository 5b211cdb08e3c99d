#include "data/prepare_shards.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/staged_directory.h"
#include "data/token_shard.h"

namespace anvil::data {
namespace fs = std::filesystem;
namespace {

constexpr size_t kChunkBytes = 8 << 20;  // text encoded per parallel round
constexpr const char* kManifest = "manifest.json";

std::string shard_name(const std::string& split, int64_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%s-%05lld.bin", split.c_str(), static_cast<long long>(index));
  return name;
}

bool is_shard_name(const std::string& name) {
  for (const char* split : {"train-", "val-"})
    if (name.rfind(split, 0) == 0 && fs::path(name).extension() == ".bin") return true;
  return false;
}

// Encodes documents on `threads` threads; document i's tokens land in out[i].
// An error names the document: `first` is the source's number for documents[0].
std::vector<std::vector<int32_t>> encode_parallel(const std::vector<std::string>& documents, const Tokenizer& tokenizer,
                                                  int64_t threads, int32_t eos, const CorpusSource& source,
                                                  uint64_t first) {
  std::vector<std::vector<int32_t>> out(documents.size());
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  std::optional<std::pair<size_t, std::string>> error;  // the first failing document and why
  auto work = [&] {
    for (size_t i = next++; i < documents.size(); i = next++) {
      try {
        out[i] = tokenizer.encode(documents[i]);
        if (eos >= 0) out[i].push_back(eos);
      } catch (const std::exception& e) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error || i < error->first) error.emplace(i, e.what());
        next = documents.size();  // the others stop too
      }
    }
  };
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error)
    throw std::runtime_error("source '" + source.name + "' ('" + source.documents.path + "'), document " +
                             std::to_string(first + error->first + 1) + ": " + error->second);
  return out;
}

// Writes one split of a source as a numbered series of shards.
class SplitWriter {
 public:
  SplitWriter(fs::path dir, std::string split, const Tokenizer& tokenizer, const PrepareOptions& options)
      : dir_(std::move(dir)), split_(std::move(split)), tokenizer_(tokenizer), options_(options),
        token_bytes_(token_bytes_for(tokenizer.vocab_size(), options.token_dtype)) {}

  void add(const std::vector<int32_t>& tokens, uint64_t text_bytes) {
    if (!writer_) {
      writer_ = std::make_unique<ShardWriter>((dir_ / shard_name(split_, stats_.shards)).string(), tokenizer_.vocab_size(),
                                              tokenizer_.fingerprint(), token_bytes_);
      ++stats_.shards;
    }
    writer_->add_document(tokens, text_bytes);
    ++stats_.documents;
    stats_.tokens += static_cast<int64_t>(tokens.size());
    stats_.text_bytes += static_cast<int64_t>(text_bytes);
    if (static_cast<int64_t>(writer_->tokens()) >= options_.shard_tokens) finish();
  }

  void finish() {
    if (writer_) writer_->finish();
    writer_.reset();
  }
  const SplitStats& stats() const { return stats_; }

 private:
  fs::path dir_;
  std::string split_;
  const Tokenizer& tokenizer_;
  const PrepareOptions& options_;
  uint32_t token_bytes_;
  std::unique_ptr<ShardWriter> writer_;
  SplitStats stats_;
};

SourceReport write_source(const CorpusSource& source, const Tokenizer& tokenizer, const PrepareOptions& options,
                          int64_t threads, const fs::path& tmp_dir, int64_t& text_bytes_done) {
  SplitWriter train(tmp_dir, "train", tokenizer, options), val(tmp_dir, "val", tokenizer, options);
  const uint64_t source_hash = fnv1a_64(source.name);
  uint64_t ordinal = 0;
  std::vector<std::string> chunk;
  size_t chunk_bytes = 0;
  auto flush = [&] {
    const auto encoded = encode_parallel(chunk, tokenizer, threads, tokenizer.eos_id(), source, ordinal);
    for (size_t i = 0; i < chunk.size(); ++i, ++ordinal) {
      const bool to_val = source.split == SourceSplit::kVal ||
                          (source.split == SourceSplit::kAuto &&
                           holdout_draw(options.seed, source_hash, ordinal) < options.val_fraction);
      (to_val ? val : train).add(encoded[i], chunk[i].size());
    }
    text_bytes_done += static_cast<int64_t>(chunk_bytes);
    if (options.on_progress) options.on_progress(text_bytes_done);
    chunk.clear();
    chunk_bytes = 0;
  };
  read_documents(source.documents, [&](std::string_view document) {
    chunk.emplace_back(document);
    chunk_bytes += document.size();
    if (chunk_bytes >= kChunkBytes) flush();
  });
  flush();
  train.finish();
  val.finish();
  return {source.name, train.stats(), val.stats()};
}

// A source's folder is replaced whole, so it must hold nothing but shards: a
// source named after a folder of the user's own files must not delete them.
void check_replaceable(const fs::path& dir) {
  if (!fs::exists(dir)) return;
  if (!fs::is_directory(dir))
    throw std::runtime_error("'" + dir.string() + "' is a file, where anvil prepare would write a folder of shards");
  for (const auto& entry : fs::directory_iterator(dir))
    if (!entry.is_regular_file() || !is_shard_name(entry.path().filename().string()))
      throw std::runtime_error("'" + dir.string() + "' holds '" + entry.path().filename().string() +
                               "', which anvil prepare did not write, and prepare replaces the folder whole: "
                               "choose another data.shards or source name");
}

// Writes the source's shards beside the output, then swaps them in.
SourceReport prepare_source(const CorpusSource& source, const Tokenizer& tokenizer, const PrepareOptions& options,
                            int64_t threads, int64_t& text_bytes_done) {
  const fs::path final_dir = fs::path(options.out_dir) / source.name;
  check_replaceable(final_dir);
  common::StagedDirectory staged(final_dir);
  const SourceReport report = write_source(source, tokenizer, options, threads, staged.path(), text_bytes_done);
  if (report.train.documents + report.val.documents == 0)
    throw std::runtime_error("source '" + source.name + "' ('" + source.documents.path + "') holds no documents");
  staged.commit();
  return report;
}

nlohmann::json split_json(const SplitStats& s) {
  return {{"documents", s.documents}, {"tokens", s.tokens}, {"text_bytes", s.text_bytes}, {"shards", s.shards}};
}

nlohmann::json read_manifest(const fs::path& dir) {
  const fs::path path = dir / kManifest;
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("'" + dir.string() + "' has no " + kManifest + ": not a folder anvil prepare wrote; run anvil prepare");
  try {
    const auto manifest = nlohmann::json::parse(in);
    manifest.at("sources").get<std::vector<nlohmann::json>>();
    return manifest;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + path.string() + "' is damaged (" + e.what() + "): run anvil prepare again");
  }
}

// The manifest lists this run's sources and keeps those an earlier prepare
// wrote into the same folder with the same tokenizer.
void write_manifest(const PrepareReport& report, const Tokenizer& tokenizer, const PrepareOptions& options) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : report.sources)
    sources.push_back({{"name", s.name}, {"train", split_json(s.train)}, {"val", split_json(s.val)}});
  const fs::path path = fs::path(options.out_dir) / kManifest;
  try {
    const auto earlier = read_manifest(options.out_dir);
    if (earlier.at("tokenizer").at("fingerprint").get<uint64_t>() == tokenizer.fingerprint())
      for (const auto& s : earlier["sources"]) {
        const auto name = s.at("name").get<std::string>();
        const bool replaced = std::any_of(report.sources.begin(), report.sources.end(),
                                          [&](const SourceReport& r) { return r.name == name; });
        if (!replaced && fs::is_directory(fs::path(options.out_dir) / name)) sources.push_back(s);
      }
  } catch (const std::exception&) {
    // No earlier manifest, or one too damaged to keep anything from.
  }
  const nlohmann::json manifest = {{"tokenizer", {{"type", tokenizer.type()},
                                                  {"vocab_size", tokenizer.vocab_size()},
                                                  {"fingerprint", tokenizer.fingerprint()}}},
                                   {"seed", options.seed},
                                   {"val_fraction", options.val_fraction},
                                   {"sources", sources}};
  common::publish_file(path, manifest.dump(2) + "\n");  // whole or not at all
}

}  // namespace

double holdout_draw(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t z = seed ^ stream ^ (index * 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64 finaliser
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

PrepareReport prepare_shards(const std::vector<CorpusSource>& sources, const Tokenizer& tokenizer,
                             const PrepareOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  PrepareReport report;
  report.threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  fs::create_directories(options.out_dir);
  // The manifest follows each source swapped in, so a prepare that fails (or
  // is killed) part way leaves one that lists what is on disk.
  int64_t text_bytes_done = 0;
  for (const auto& source : sources) {
    report.sources.push_back(prepare_source(source, tokenizer, options, report.threads, text_bytes_done));
    write_manifest(report, tokenizer, options);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

PreparedSplit shard_files(const std::string& dir, const std::string& source, const std::string& split) {
  const auto manifest = read_manifest(dir);
  const auto& sources = manifest["sources"];
  const auto entry = std::find_if(sources.begin(), sources.end(), [&](const nlohmann::json& s) {
    return s.contains("name") && s["name"] == source;
  });
  if (entry == sources.end())
    throw std::runtime_error("'" + (fs::path(dir) / kManifest).string() + "' lists no source '" + source +
                             "': run anvil prepare with it");
  int64_t shards = 0;
  PreparedSplit out;
  try {
    shards = entry->at(split).at("shards").get<int64_t>();
    out.tokens = entry->at(split).at("tokens").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + (fs::path(dir) / kManifest).string() + "' is damaged (" + e.what() +
                             "): run anvil prepare again");
  }
  for (int64_t i = 0; i < shards; ++i) {
    const fs::path file = fs::path(dir) / source / shard_name(split, i);
    if (!fs::exists(file))
      throw std::runtime_error("token shard '" + file.string() + "' is missing: " + kManifest + " lists " +
                               std::to_string(shards) + " " + split + " shards of source '" + source +
                               "'; run anvil prepare again");
    out.files.push_back(file.string());
  }
  return out;
}

}  // namespace anvil::data
