#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/read_file.h"
#include "data/char_tokenizer.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tiny_model.h"
#include "training/checkpoint.h"
#include "recipes/checkpoint_config.h"
#include "recipes/config_loader.h"
#include "training/adamw.h"

namespace fs = std::filesystem;
using namespace anvil;

namespace {

models::GPTConfig tiny() { return test_support::tiny_gpt_config(11, 8, 1, 2, 8); }

struct Fixture {
  models::GPT model{tiny()};
  std::unique_ptr<torch::optim::AdamW> optimizer =
      std::make_unique<training::AdamW>(model->parameters(), training::AdamWOptions{});
  data::CharTokenizer tokenizer = data::CharTokenizer::from_text("abcdefghijk");
  std::string config_yaml = "run:\n  seed: 1\n";

  // One real optimizer step, so the optimizer has state worth saving.
  void step() {
    optimizer->zero_grad();
    model->forward(torch::randint(11, {2, 8})).square().mean().backward();
    optimizer->step();
  }
  std::string save(const std::string& run_dir, int64_t step_number, std::optional<double> val_loss = {}) {
    training::TrainingState state;
    state.step = step_number;
    state.val_loss = val_loss;
    state.tokens_seen = step_number * 16;
    state.cursor = {97, {{2, 40}, {0, 5}}};
    return training::save_checkpoint(run_dir, {state, models::module_state(*model), *optimizer, config_yaml, tokenizer});
  }
};

}  // namespace

TEST(Checkpoint, RestoresWeightsOptimizerAndTrainingState) {
  test_support::TempDir dir;
  torch::manual_seed(0);
  Fixture saved;
  saved.step();
  const auto path = saved.save(dir.path(), 7);
  EXPECT_TRUE(training::is_complete_checkpoint(path));
  EXPECT_TRUE(fs::exists(fs::path(path) / "config.yaml"));
  EXPECT_TRUE(fs::exists(fs::path(path) / "tokenizer.chars.json"));

  torch::manual_seed(1);
  Fixture loaded;
  training::load_model_weights(path, loaded.model);
  const auto state = training::load_training_state(path, *loaded.optimizer);
  EXPECT_EQ(state.step, 7);
  EXPECT_EQ(state.tokens_seen, 112);
  EXPECT_EQ(state.cursor.draws, 97);
  ASSERT_EQ(state.cursor.sources.size(), 2u);
  EXPECT_EQ(state.cursor.sources[1].epoch, 0);
  EXPECT_EQ(state.cursor.sources[1].position, 5);
  EXPECT_EQ(state.cursor.sources[0].epoch, 2);
  EXPECT_EQ(state.cursor.sources[0].position, 40);
  const auto a = saved.model->parameters(), b = loaded.model->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].equal(b[i]));
  // Identical optimizer state means the next steps agree exactly.
  torch::manual_seed(5);
  saved.step();
  torch::manual_seed(5);
  loaded.step();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].equal(b[i]));
  EXPECT_EQ(training::load_checkpoint_tokenizer(path, "char")->vocab_size(), 11);
}

TEST(Checkpoint, LatestSkipsIncompleteAndPruneKeepsNewest) {
  test_support::TempDir dir;
  Fixture f;
  f.save(dir.path(), 100);
  f.save(dir.path(), 200);
  const auto written = f.save(dir.path(), 300);
  // A checkpoint killed mid-write: the directory exists but has no marker.
  fs::create_directories(dir.path("checkpoints/step_00000400"));
  fs::create_directories(dir.path("checkpoints/.tmp-step_00000500"));
  EXPECT_EQ(fs::path(training::latest_checkpoint(dir.path())).filename(), "step_00000300");
  training::prune_checkpoints(dir.path(), written, 2);
  EXPECT_FALSE(fs::exists(dir.path("checkpoints/step_00000100")));
  EXPECT_TRUE(fs::exists(dir.path("checkpoints/step_00000200")));
  EXPECT_TRUE(fs::exists(dir.path("checkpoints/step_00000300")));
  const std::string incomplete = dir.path("checkpoints/step_00000400");
  EXPECT_THAT(test_support::error_of<std::runtime_error>([&] { training::load_model_weights(incomplete, f.model); }),
              testing::HasSubstr("'" + incomplete + "' is not a complete checkpoint (no COMPLETE marker)"));
}

TEST(Checkpoint, MismatchedModelShapeIsAClearError) {
  test_support::TempDir dir;
  Fixture f;
  const auto path = f.save(dir.path(), 1);
  auto other = tiny();
  other.n_embd = 16;
  models::GPT bigger(other);
  try {
    training::load_model_weights(path, bigger);
    FAIL() << "expected an error";
  } catch (const training::CorruptCheckpoint& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path + "/model.safetensors: tensor '"), std::string::npos) << msg;
    EXPECT_NE(msg.find("' has shape ["), std::string::npos) << msg;
  }
}

TEST(Checkpoint, KeepBestKeepsTheLowestValidationLossBesidesTheNewest) {
  test_support::TempDir dir;
  Fixture f;
  f.save(dir.path(), 100, 2.0);
  f.save(dir.path(), 200, 1.5);
  f.save(dir.path(), 300, 1.8);
  const auto written = f.save(dir.path(), 400);  // no validation at this step
  training::prune_checkpoints(dir.path(), written, 1, "val_loss");
  const auto kept = training::complete_checkpoints(dir.path());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(fs::path(kept[0]).filename(), "step_00000200");
  EXPECT_EQ(fs::path(kept[1]).filename(), "step_00000400");
  EXPECT_EQ(training::load_training_state(kept[0], *f.optimizer).val_loss, 1.5);
}

// A newer checkpoint than the one just written (one the run could not load)
// does not count towards keep_last: the one just written always stays.
TEST(Checkpoint, PruneNeverDeletesTheCheckpointJustWritten) {
  test_support::TempDir dir;
  Fixture f;
  f.save(dir.path(), 100);
  const auto written = f.save(dir.path(), 200);
  f.save(dir.path(), 300);
  training::prune_checkpoints(dir.path(), written, 1);
  const auto kept = training::complete_checkpoints(dir.path());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0], written);
  EXPECT_EQ(fs::path(kept[1]).filename(), "step_00000300");
}

TEST(Checkpoint, SetAsideCheckpointsAreNeitherResumedFromNorOverwritten) {
  test_support::TempDir dir;
  Fixture f;
  f.save(dir.path(), 100);
  EXPECT_EQ(training::set_aside_checkpoint(f.save(dir.path(), 200), "bad weights"),
            dir.path("checkpoints/broken-step_00000200"));
  EXPECT_EQ(training::set_aside_checkpoint(f.save(dir.path(), 200), "bad state"),
            dir.path("checkpoints/broken-step_00000200-2"));
  EXPECT_EQ(fs::path(training::latest_checkpoint(dir.path())).filename(), "step_00000100");
  EXPECT_TRUE(training::is_complete_checkpoint(dir.path("checkpoints/broken-step_00000200")));
  EXPECT_EQ(common::read_file(dir.path("checkpoints/broken-step_00000200/REASON.txt")), "bad weights\n");
  EXPECT_EQ(common::read_file(dir.path("checkpoints/broken-step_00000200-2/REASON.txt")), "bad state\n");
}

// A diverged run validates to NaN or inf. JSON has no such numbers, so they are
// written as strings; null, which older versions wrote, reads back as NaN.
TEST(Checkpoint, NonFiniteValidationLossReadsBack) {
  test_support::TempDir dir;
  Fixture f;
  const auto nan = f.save(dir.path(), 100, std::numeric_limits<double>::quiet_NaN());
  const auto inf = f.save(dir.path(), 200, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*training::load_training_state(nan, *f.optimizer).val_loss));
  EXPECT_EQ(*training::load_training_state(inf, *f.optimizer).val_loss, std::numeric_limits<double>::infinity());

  const auto old = f.save(dir.path(), 300);
  std::ofstream(fs::path(old) / "trainer_state.json")
      << R"({"step": 300, "tokens_seen": 4800, "loader": {"draws": 97, "sources": []}, "val_loss": null,)"
      << R"( "early_stopping": {"best_score": null, "validations_since_best": 2}})";
  const auto state = training::load_training_state(old, *f.optimizer);  // no format_version: written before it
  EXPECT_TRUE(std::isnan(*state.val_loss));
  EXPECT_TRUE(std::isnan(*state.best_score));
  EXPECT_EQ(state.validations_since_best, 2);
}

TEST(Checkpoint, TheTrainingStateCarriesAFormatVersionAndANewerOneIsRefused) {
  test_support::TempDir dir;
  Fixture f;
  const auto path = f.save(dir.path(), 100);
  const std::string file = path + "/trainer_state.json";
  auto json = nlohmann::json::parse(common::read_file(file));
  EXPECT_EQ(json.at("format_version"), 1);
  json["format_version"] = 2;
  std::ofstream(file) << json.dump();
  try {
    training::load_training_state(path, *f.optimizer);
    FAIL() << "loaded a training state of a newer format";
  } catch (const training::CorruptCheckpoint& e) {
    FAIL() << "a newer format is no corrupt checkpoint: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'" + file + "' has format_version 2, newer than the version 1"),
              std::string::npos)
        << e.what();
  }
}

namespace {

// How loading every part of the checkpoint at `path` fails, if it does.
enum class Failure { kNone, kCorrupt, kSystem, kOther };
Failure failure_loading(const std::string& path) {
  Fixture f;
  try {
    training::load_checkpoint_tokenizer(path, "char");
    training::load_model_weights(path, f.model);
    training::load_training_state(path, *f.optimizer);
  } catch (const training::CorruptCheckpoint&) {
    return Failure::kCorrupt;
  } catch (const std::system_error&) {
    return Failure::kSystem;
  } catch (const std::exception&) {
    return Failure::kOther;
  }
  return Failure::kNone;
}

}  // namespace

// The files' own faults are CorruptCheckpoint, which a resume sets aside.
TEST(Checkpoint, BadFilesAreACorruptCheckpoint) {
  test_support::TempDir dir;
  Fixture f;
  const auto good = f.save(dir.path(), 1);
  EXPECT_EQ(failure_loading(good), Failure::kNone);
  for (const std::string file : {"model.safetensors", "optimizer.pt", "trainer_state.json", "tokenizer.chars.json"}) {
    const auto truncated = f.save(dir.path(), 2);
    fs::resize_file(truncated + "/" + file, 10);
    EXPECT_EQ(failure_loading(truncated), Failure::kCorrupt) << "truncated " << file;
    const auto missing = f.save(dir.path(), 3);
    fs::remove(missing + "/" + file);
    EXPECT_EQ(failure_loading(missing), Failure::kCorrupt) << "missing " << file;
  }
  const auto garbled = f.save(dir.path(), 4);
  std::ofstream(garbled + "/trainer_state.json") << R"({"step": "four"})";
  EXPECT_EQ(failure_loading(garbled), Failure::kCorrupt);
}

// An error of the machine's says nothing about the checkpoint: it passes
// through as the std::system_error it is, and a resume stops on it. (Tests run
// as root, whom permissions do not stop: a directory where a file should be
// fails the read with EISDIR, as an I/O error would.)
TEST(Checkpoint, AFailingReadIsNoCorruptCheckpoint) {
  test_support::TempDir dir;
  Fixture f;
  for (const std::string file : {"model.safetensors", "optimizer.pt", "trainer_state.json", "tokenizer.chars.json"}) {
    const auto path = f.save(dir.path(), 1);
    fs::remove(path + "/" + file);
    fs::create_directory(path + "/" + file);
    EXPECT_EQ(failure_loading(path), Failure::kSystem) << file;
  }
}

TEST(Checkpoint, KeepBestIgnoresNonFiniteValidationLosses) {
  test_support::TempDir dir;
  Fixture f;
  f.save(dir.path(), 100, 2.0);
  f.save(dir.path(), 200, -std::numeric_limits<double>::infinity());
  f.save(dir.path(), 300, 1.5);
  f.save(dir.path(), 400, std::numeric_limits<double>::quiet_NaN());
  const auto written = f.save(dir.path(), 500, 1.8);
  training::prune_checkpoints(dir.path(), written, 1, "val_loss");
  const auto kept = training::complete_checkpoints(dir.path());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(fs::path(kept[0]).filename(), "step_00000300");
  EXPECT_EQ(kept[1], written);
}

namespace {

// A checkpoint directory whose config.yaml says it was trained as `config`.
std::string checkpoint_trained_as(const test_support::TempDir& dir, const recipes::RunConfig& config) {
  dir.write("ckpt/config.yaml", recipes::to_yaml(config));
  return dir.path("ckpt");
}

std::string mismatch_of(const recipes::RunConfig& config, const std::string& checkpoint,
                        recipes::CheckpointUse use = recipes::CheckpointUse::kSameModel) {
  try {
    recipes::check_checkpoint_config(config, checkpoint, use);
  } catch (const recipes::CheckpointConfigMismatch& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Checkpoint, AConfigThatDescribesAnotherModelIsRefusedNamingEachKey) {
  test_support::TempDir dir;
  recipes::RunConfig trained;
  trained.lora.rank = 4;
  const auto checkpoint = checkpoint_trained_as(dir, trained);
  EXPECT_EQ(mismatch_of(trained, checkpoint), "(no error)");

  // Same shapes, another model: each difference is named with both values.
  auto other = trained;
  other.model.n_head = 1;
  other.model.norm_eps = 0.5;
  other.model.norm = "rmsnorm";
  other.lora.alpha = 64;
  const auto error = mismatch_of(other, checkpoint);
  for (const char* part : {"model.n_head is 1 here but 4 in the checkpoint", "model.norm_eps is 0.5 here but 1e-05",
                           "model.norm is rmsnorm here but layernorm", "lora.alpha is 64 here but 16", checkpoint.c_str()})
    EXPECT_NE(error.find(part), std::string::npos) << part << " not in: " << error;

  // What may change after training: regularisation, memory, where the weights came from.
  auto tuned = trained;
  tuned.model.dropout = 0.2;
  tuned.model.activation_checkpointing = 1;
  tuned.model.init_from = dir.path("elsewhere");
  tuned.lora.dropout = 0.1;
  EXPECT_EQ(mismatch_of(tuned, checkpoint), "(no error)");
}

TEST(Checkpoint, EqualModelsWrittenDifferentlyAreTheSameModel) {
  test_support::TempDir dir;
  recipes::RunConfig trained;  // 4 heads, width 128, learned positions, gelu, no LoRA
  const auto checkpoint = checkpoint_trained_as(dir, trained);
  auto spelled_out = trained;
  spelled_out.model.n_kv_head = 4;     // 0 means n_head
  spelled_out.model.ffn_hidden = 512;  // 0 means 4 · n_embd for gelu
  spelled_out.model.rope_theta = 500000;  // without rope it does nothing
  spelled_out.lora.alpha = 64;            // nor LoRA's settings without a rank
  spelled_out.lora.targets = {"mlp.fc"};
  EXPECT_EQ(mismatch_of(spelled_out, checkpoint), "(no error)");
  spelled_out.model.ffn_hidden = 256;
  EXPECT_NE(mismatch_of(spelled_out, checkpoint).find("model.ffn_hidden is 256 here but 512"), std::string::npos);

  trained.lora.rank = 2;
  trained.lora.targets = {"attn.qkv", "mlp.fc"};
  auto reordered = trained;
  reordered.lora.targets = {"mlp.fc", "attn.qkv"};
  EXPECT_EQ(mismatch_of(reordered, checkpoint_trained_as(dir, trained)), "(no error)");
}

TEST(Checkpoint, AFineTuneMayChangeTheBlockAndAddLoraButNotTheModel) {
  test_support::TempDir dir;
  recipes::RunConfig base;
  const auto checkpoint = checkpoint_trained_as(dir, base);
  const auto start = recipes::CheckpointUse::kStartFrom;
  auto tune = base;
  tune.model.block_size = 2 * base.model.block_size;
  tune.lora.rank = 8;
  EXPECT_EQ(mismatch_of(tune, checkpoint, start), "(no error)");
  EXPECT_NE(mismatch_of(tune, checkpoint).find("model.block_size"), std::string::npos);  // a resume may not
  tune.model.norm_eps = 0.1;
  EXPECT_NE(mismatch_of(tune, checkpoint, start).find("model.norm_eps is 0.1 here but 1e-05"), std::string::npos);

  auto classifier = base;  // uses neither LM head, so tying does not matter
  classifier.task.type = "classify";
  classifier.model.tie_embeddings = !base.model.tie_embeddings;
  EXPECT_EQ(mismatch_of(classifier, checkpoint, start), "(no error)");
  classifier.task.type = "lm";
  EXPECT_NE(mismatch_of(classifier, checkpoint, start).find("model.tie_embeddings"), std::string::npos);
}

TEST(Checkpoint, InferenceMayRunARotaryModelWithAnotherWindow) {
  test_support::TempDir dir;
  recipes::RunConfig rotary;
  rotary.model.position = "rope";
  auto longer = rotary;
  longer.model.block_size = 2 * rotary.model.block_size;
  const auto inference = recipes::CheckpointUse::kInference;
  EXPECT_EQ(mismatch_of(longer, checkpoint_trained_as(dir, rotary), inference), "(no error)");
  EXPECT_NE(mismatch_of(longer, checkpoint_trained_as(dir, rotary)).find("model.block_size"), std::string::npos);
  recipes::RunConfig learned;  // its position table has block_size rows
  auto wider = learned;
  wider.model.block_size = 2 * learned.model.block_size;
  EXPECT_NE(mismatch_of(wider, checkpoint_trained_as(dir, learned), inference).find("model.block_size"),
            std::string::npos);
}

// A Hugging Face tokenizer is saved as a directory of its own files: it loads
// back with the same ids; a missing or broken file is a corrupt checkpoint, a
// directory that is not there either.
TEST(Checkpoint, AnHfTokenizerTravelsAsItsOwnFiles) {
  test_support::TempDir dir;
  const auto gpt2 = data::load_tokenizer("hf", std::string(std::getenv("ANVIL_DATA")) + "/hf/gpt2");
  Fixture f;
  training::TrainingState state;
  state.step = 1;
  const auto path =
      training::save_checkpoint(dir.path(), {state, models::module_state(*f.model), *f.optimizer, f.config_yaml, *gpt2});
  EXPECT_EQ(training::load_checkpoint_tokenizer(path, "hf")->encode("Hello world"), (std::vector<int32_t>{15496, 995}));

  std::ofstream(path + "/tokenizer/vocab.json") << "{\"Hello\": ";
  EXPECT_THROW(training::load_checkpoint_tokenizer(path, "hf"), training::CorruptCheckpoint);
  fs::remove_all(path + "/tokenizer");
  EXPECT_THAT(test_support::error_of([&] { training::load_checkpoint_tokenizer(path, "hf"); }),
              testing::HasSubstr("tokenizer' is missing or not a directory"));
}
