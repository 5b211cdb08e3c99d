#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include <nlohmann/json.hpp>

#include "data/char_tokenizer.h"
#include "data/text_lines.h"
#include "tests/support/accumulation.h"
#include "tests/support/error_of.h"
#include "tests/support/metrics.h"
#include "tests/support/temp_dir.h"
#include "training/checkpoint.h"
#include "recipes/checkpoint_config.h"
#include "recipes/config_loader.h"
#include "recipes/corpus.h"
#include "training/evaluate.h"
#include "training/run_lock.h"
#include "recipes/runtime.h"
#include "recipes/run_data.h"
#include "recipes/trainer.h"

using namespace anvil;
using test_support::error_of;
using testing::HasSubstr;

namespace {

// A small model on the first 60 kB of Tiny Shakespeare: a couple of seconds.
recipes::RunConfig short_run(const test_support::TempDir& dir) {
  recipes::RunConfig c;
  c.run.dir = dir.path("run");
  c.run.device = "cpu";
  c.run.threads = 1;  // ctest runs tests side by side
  c.data.train = dir.write("shakespeare.txt", data::read_whole_file(test_support::shakespeare_path(), false).substr(0, 60000));
  c.model.n_layer = 2;
  c.model.n_head = 2;
  c.model.n_embd = 64;
  c.model.block_size = 32;
  c.optim.lr = 3e-3;
  c.schedule.warmup_steps = 10;
  c.schedule.min_lr = 3e-4;
  c.train.max_steps = 150;
  c.train.batch_size = 16;
  c.train.log_every = 10;
  c.eval.every = 0;
  c.checkpoint.every = 100;
  return c;
}

// The same text prepared into shards: two sources (the halves, weighted 3:1),
// speeches as documents, document-masked packing, a prefetching loader.
recipes::RunConfig shard_run(const test_support::TempDir& dir) {
  auto c = short_run(dir);
  const std::string text = data::read_whole_file(c.data.train, false);
  c.data.train.clear();
  const auto tokenizer = data::CharTokenizer::from_text(text);
  c.tokenizer.path = dir.path("chars.json");
  tokenizer.save(c.tokenizer.path);
  c.data.shards = dir.path("shards");
  recipes::DataSource first, second;
  first.name = "first";
  first.path = dir.write("first.txt", text.substr(0, 30000));
  first.delimiter = second.delimiter = "blank_line";
  first.weight = 3;
  second.name = "second";
  second.path = dir.write("second.txt", text.substr(30000));
  c.data.sources = {first, second};
  c.data.packing = "document_masked";
  c.data.prefetch = 3;
  data::prepare_shards(recipes::corpus_sources(c), tokenizer, recipes::prepare_options(c));
  return c;
}


}  // namespace

TEST(Train, LossFallsAndTheCheckpointEvaluatesToTheSameLoss) {
  test_support::TempDir dir;
  const auto config = short_run(dir);
  const auto summary = recipes::train(config);
  EXPECT_EQ(summary.steps, 150);

  const auto metrics = test_support::read_metrics(config.run.dir);
  ASSERT_FALSE(metrics.empty());
  const double first_loss = metrics.front().at("loss").get<double>();
  EXPECT_GT(first_loss, 3.0);  // about ln(vocab) at the start
  EXPECT_LT(summary.final_val_loss, first_loss - 0.7);
  for (const char* key : {"loss", "lr", "grad_norm", "tokens_per_sec"}) EXPECT_TRUE(metrics.front().contains(key));
  EXPECT_TRUE(metrics.back().contains("val_loss"));
  // Characters of Shakespeare are single ASCII bytes: bits per byte = loss / ln 2.
  EXPECT_NEAR(metrics.back().at("val_bpb").get<double>(), summary.final_val_loss / std::log(2.0), 1e-9);

  // The saved checkpoint, loaded into a fresh model, scores the same.
  ASSERT_EQ(summary.checkpoint, training::latest_checkpoint(config.run.dir));
  auto data = recipes::load_text_data(config, training::load_checkpoint_tokenizer(summary.checkpoint, "char"));
  torch::manual_seed(12345);  // different initial weights, all overwritten
  models::GPT model(recipes::gpt_config(config.model, data.tokenizer->vocab_size()));
  training::load_model_weights(summary.checkpoint, model);
  const auto reloaded = training::evaluate(model, *data.val, 16, 0, c10::Device(c10::kCPU));
  EXPECT_NEAR(reloaded.loss, summary.final_val_loss, 1e-6);

  // The run directory holds the resolved config, which reads back to the same.
  const auto resolved = recipes::load_config(config.run.dir + "/config.yaml").config;
  EXPECT_EQ(recipes::to_yaml(resolved), recipes::to_yaml(config));

  // A new run initialised from the checkpoint starts where this one ended.
  auto from_checkpoint = config;
  from_checkpoint.run.dir = dir.path("from_checkpoint");
  from_checkpoint.model.init_from = summary.checkpoint;
  from_checkpoint.train.max_steps = 1;
  from_checkpoint.schedule.warmup_steps = 0;
  recipes::train(from_checkpoint);
  const double start_loss = test_support::read_metrics(from_checkpoint.run.dir).front().at("loss").get<double>();
  EXPECT_LT(start_loss, summary.final_val_loss + 0.3);
}

TEST(Train, GradientAccumulationMatchesOneLargeBatch) {
  test_support::TempDir dir;
  test_support::expect_accumulation_matches_one_large_batch(dir, short_run(dir), 1e-5);
}

namespace {

// `config` again in a run directory holding only the step-20 checkpoint of
// config's run, as if that run had stopped there; resume: auto continues it.
recipes::RunConfig resumed_from_step_20(const recipes::RunConfig& config, const test_support::TempDir& dir) {
  auto resumed = config;
  resumed.run.dir = dir.path("resumed");
  std::filesystem::create_directories(resumed.run.dir + "/checkpoints");
  std::filesystem::copy(config.run.dir + "/checkpoints/step_00000020", resumed.run.dir + "/checkpoints/step_00000020");
  return resumed;
}

void expect_resume_matches_uninterrupted(const test_support::TempDir& dir, recipes::RunConfig config) {
  config.train.max_steps = 40;
  config.train.log_every = 1;
  config.checkpoint.every = 20;
  config.model.dropout = 0.1;  // the dropout generator must resume too
  config.data.stride = 7;      // windows overlap, batches come from a shuffled cursor
  recipes::train(config);

  const auto resumed = resumed_from_step_20(config, dir);
  recipes::train(resumed);

  const auto straight = test_support::read_metrics(config.run.dir);
  const auto continued = test_support::read_metrics(resumed.run.dir);
  std::map<int64_t, nlohmann::json> by_step;
  for (const auto& m : straight)
    if (m.contains("loss")) by_step[m.at("step").get<int64_t>()] = m;
  int compared = 0;
  for (const auto& m : continued) {
    if (!m.contains("loss")) continue;
    const int64_t step = m.at("step").get<int64_t>();
    ASSERT_GT(step, 20);
    EXPECT_EQ(m.at("loss").get<double>(), by_step.at(step).at("loss").get<double>()) << "step " << step;
    EXPECT_EQ(m.at("grad_norm").get<double>(), by_step.at(step).at("grad_norm").get<double>()) << "step " << step;
    ++compared;
  }
  EXPECT_EQ(compared, 20);
}

}  // namespace

TEST(Train, ResumedRunMatchesAnUninterruptedOneBitForBit) {
  test_support::TempDir dir;
  expect_resume_matches_uninterrupted(dir, short_run(dir));
}

// The loader's cursor (mixture draws, each source's epoch and position) is in
// the checkpoint: a resumed run sees the batches the uninterrupted one saw.
TEST(Train, ResumedShardRunMatchesAnUninterruptedOneBitForBit) {
  test_support::TempDir dir;
  expect_resume_matches_uninterrupted(dir, shard_run(dir));
}

TEST(Train, ShardRunLearnsAndRefusesShardsOfAnotherTokenizer) {
  test_support::TempDir dir;
  auto config = shard_run(dir);
  config.train.max_steps = 60;
  config.eval.batches = 4;
  const auto summary = recipes::train(config);
  EXPECT_LT(summary.final_val_loss, 3.0);  // from ln(vocab) = 4.1

  // A vocabulary of the same size but other characters: the fingerprints differ.
  const auto other = data::CharTokenizer::from_text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,;:!?-'\n &");
  config.tokenizer.path = dir.path("other.json");
  other.save(config.tokenizer.path);
  config.run.dir = dir.path("other_run");
  try {
    recipes::train(config);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("was made with another tokenizer"), std::string::npos) << e.what();
  }

  // A manifest that disagrees with the shards on disk: a prepare cut short.
  config.tokenizer.path = dir.path("chars.json");
  const std::string manifest_path = config.data.shards + "/manifest.json";
  auto manifest = nlohmann::json::parse(std::ifstream(manifest_path));
  manifest["sources"][0]["train"]["tokens"] = 5;
  std::ofstream(manifest_path) << manifest.dump();
  try {
    recipes::load_run_data(config);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("the train shards of '" + config.data.shards + "/first' hold "),
              std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tokens where manifest.json lists 5"), std::string::npos) << e.what();
  }
}

// The loader's position means other batches in other data: a resume says so.
TEST(Train, ResumeOntoChangedDataSaysSo) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.train.max_steps = 2;
  config.schedule.warmup_steps = 1;
  recipes::train(config);
  config.train.max_steps = 3;
  testing::internal::CaptureStderr();
  recipes::train(config);
  EXPECT_EQ(testing::internal::GetCapturedStderr().find("training data changed"), std::string::npos);
  dir.write("shakespeare.txt", data::read_whole_file(config.data.train, false).substr(0, 40000));
  config.train.max_steps = 4;
  testing::internal::CaptureStderr();
  recipes::train(config);
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("warning: the training data changed since the checkpoint (blocks per source ["), std::string::npos)
      << said;
}

TEST(Train, ResumeNeverRefusesADirectoryWithCheckpoints) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.train.max_steps = 2;
  config.schedule.warmup_steps = 1;
  recipes::train(config);
  config.run.resume = "never";
  EXPECT_THAT(error_of<std::runtime_error>([&] { recipes::train(config); }),
              HasSubstr("run.dir '" + config.run.dir + "' already holds checkpoints and run.resume is never"));
}

// Another n_head keeps every tensor's shape: the resume must still stop,
// before the run directory's config is replaced by the wrong one.
// A graph needs a GPU: a CPU run with run.cuda_graphs on stops before it
// touches the run directory, saying why; with auto it trains without one.
TEST(Train, CudaGraphsOnRefuseACpuRunAndAutoSkipsThem) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.run.cuda_graphs = "on";
  try {
    recipes::train(config);
    FAIL() << "a CPU run with run.cuda_graphs on trained";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("run.cuda_graphs is on, but it needs run.device cuda"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(config.run.dir));
  config.run.cuda_graphs = "auto";
  config.train.max_steps = 2;
  config.schedule.warmup_steps = 1;
  EXPECT_EQ(recipes::train(config).steps, 2);
}

// With a learning rate of 0 the validation loss never improves after the first
// validation, so patience 3 stops the run at the fourth (step 40). A run resumed
// from step 20 carries the count on and stops there too, not at step 60.
TEST(Train, EarlyStoppingCountsAcrossAResume) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.optim.lr = 0;
  config.schedule.min_lr = 0;
  config.eval.every = 10;
  config.eval.batches = 2;
  config.checkpoint.every = 20;
  config.train.early_stop_patience = 3;
  EXPECT_EQ(recipes::train(config).steps, 40);

  EXPECT_EQ(recipes::train(resumed_from_step_20(config, dir)).steps, 40);
}

// A newer checkpoint that does not load is skipped on resume and moved aside
// to broken-step_N: keep_last then keeps the checkpoints this run writes, and
// the next resume starts from them, not from the broken one.
TEST(Train, ResumeMovesNewerUnloadableCheckpointsAsideAndKeepsItsOwn) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.model.n_layer = 1;
  config.model.n_embd = 32;
  config.train.max_steps = 10;
  config.checkpoint.every = 5;
  recipes::train(config);
  const std::string broken = config.run.dir + "/checkpoints/step_00000010";
  std::filesystem::resize_file(broken + "/model.safetensors", 100);

  config.train.max_steps = 8;
  config.checkpoint.every = 2;
  config.checkpoint.keep_last = 1;
  const auto summary = recipes::train(config);
  const auto kept = training::complete_checkpoints(config.run.dir);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0], summary.checkpoint);
  EXPECT_EQ(std::filesystem::path(kept[0]).filename(), "step_00000008");
  EXPECT_TRUE(std::filesystem::exists(config.run.dir + "/checkpoints/broken-step_00000010/model.safetensors"));
  // With the reason it was set aside.
  const std::string reason = data::read_whole_file(config.run.dir + "/checkpoints/broken-step_00000010/REASON.txt", false);
  EXPECT_NE(reason.find(broken + "/model.safetensors"), std::string::npos) << reason;
}

// An error of the machine's while a checkpoint loads (out of memory, a
// permission, an I/O error; here a directory where its optimizer state should
// be, which fails the read with EISDIR) says nothing about the checkpoint: the
// run stops with the error and leaves the checkpoint where it is.
TEST(Train, AFailingReadStopsTheResumeAndLeavesTheCheckpointAlone) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.model.n_layer = 1;
  config.model.n_embd = 32;
  config.train.max_steps = 4;
  config.checkpoint.every = 2;
  config.schedule.warmup_steps = 1;
  recipes::train(config);
  const std::string newest = config.run.dir + "/checkpoints/step_00000004";
  std::filesystem::remove(newest + "/optimizer.pt");
  std::filesystem::create_directory(newest + "/optimizer.pt");

  config.train.max_steps = 6;
  try {
    recipes::train(config);
    FAIL() << "resumed past a checkpoint that could not be read";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::is_a_directory);
    EXPECT_NE(std::string(e.what()).find(newest + "/optimizer.pt"), std::string::npos) << e.what();
  }
  EXPECT_EQ(training::latest_checkpoint(config.run.dir), newest);
  EXPECT_FALSE(std::filesystem::exists(config.run.dir + "/checkpoints/broken-step_00000004"));
}

// A resume with another model (a setting the checkpoint's config differs in,
// or weights of another width) stops before it rewrites the run directory's
// config, so the run still resumes from it.
TEST(Train, ResumeWithAnotherModelIsRefusedAndKeepsTheRunConfig) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.train.max_steps = 2;
  config.checkpoint.every = 2;
  config.schedule.warmup_steps = 1;
  recipes::train(config);
  const std::string config_file = config.run.dir + "/config.yaml";
  const std::string written = data::read_whole_file(config_file, false);

  auto heads = config;
  heads.model.n_head = 4;
  heads.train.max_steps = 4;
  try {
    recipes::train(heads);
    FAIL() << "resumed with another n_head";
  } catch (const recipes::CheckpointConfigMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("model.n_head is 4 here but 2 in the checkpoint"), std::string::npos)
        << e.what();
  }
  auto wider = config;
  wider.model.n_embd = 2 * config.model.n_embd;
  EXPECT_THAT(error_of<recipes::CheckpointConfigMismatch>([&] { recipes::train(wider); }),
              HasSubstr("model.n_embd is 128 here but 64 in the checkpoint"));
  EXPECT_EQ(data::read_whole_file(config_file, false), written);
  auto resumed = recipes::load_config(config_file).config;
  resumed.train.max_steps = 3;
  EXPECT_EQ(recipes::train(resumed).steps, 3);
}

// A checkpoint whose tokenizer file is missing or corrupt is broken like one
// with bad weights: the run resumes from the next older one.
TEST(Train, ResumeSkipsACheckpointWhoseTokenizerDoesNotLoad) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.train.max_steps = 6;
  config.checkpoint.every = 2;
  config.schedule.warmup_steps = 1;
  recipes::train(config);
  const std::string checkpoints = config.run.dir + "/checkpoints/";
  std::filesystem::remove(checkpoints + "step_00000006/tokenizer.chars.json");
  std::ofstream(checkpoints + "step_00000004/tokenizer.chars.json") << "{not json";

  config.train.max_steps = 7;
  EXPECT_EQ(recipes::train(config).steps, 7);
  EXPECT_TRUE(std::filesystem::exists(checkpoints + "broken-step_00000006"));
  EXPECT_TRUE(std::filesystem::exists(checkpoints + "broken-step_00000004"));
  // Resumed from step 2, the run wrote steps 4, 6 and 7 again.
  std::vector<std::string> names;
  for (const auto& path : training::complete_checkpoints(config.run.dir))
    names.push_back(std::filesystem::path(path).filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"step_00000002", "step_00000004", "step_00000006", "step_00000007"}));
}

// While another process holds the run directory, a second run stops at once,
// naming it, and leaves the first one's checkpoint in progress alone.
TEST(Train, SecondRunOnALockedRunDirectoryStopsWithoutTouchingIt) {
  test_support::TempDir dir;
  auto config = short_run(dir);
  config.train.max_steps = 2;
  config.schedule.warmup_steps = 1;
  const std::string in_progress = dir.write("run/checkpoints/.tmp-step_00000100/model.safetensors", "");
  {
    training::RunDirectoryLock first(config.run.dir);
    try {
      recipes::train(config);
      FAIL() << "a second run trained in a locked run directory";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("run.dir '" + config.run.dir + "' is in use by another anvil train"),
                std::string::npos)
          << e.what();
    }
    EXPECT_TRUE(std::filesystem::exists(in_progress));
  }
  EXPECT_EQ(recipes::train(config).steps, 2);  // the lock went with its holder
}
