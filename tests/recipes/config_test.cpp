#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/temp_dir.h"
#include "recipes/config_loader.h"
#include "recipes/resolved_config.h"

using anvil::recipes::ConfigError;
using anvil::recipes::load_config;
using anvil::recipes::validate_config;

namespace {

// The message of the ConfigError that `fn` throws ("" if none).
template <class Fn>
std::string config_error(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST(Config, ReadsSectionsOverDefaults) {
  anvil::test_support::TempDir dir;
  const auto path = dir.write("c.yaml", "model:\n  n_layer: 6\n  bias: true\noptim:\n  lr: 3e-4\n");
  const auto c = load_config(path).config;
  EXPECT_EQ(c.model.n_layer, 6);
  EXPECT_TRUE(c.model.bias);
  EXPECT_DOUBLE_EQ(c.optim.lr, 3e-4);
  EXPECT_EQ(c.model.n_head, 4);  // default kept
}

TEST(Config, UnknownKeyNamesFileLineAndClosestKey) {
  anvil::test_support::TempDir dir;
  const auto path = dir.write("c.yaml", "model:\n  n_layer: 2\noptim:\n  weight_decay: 0.1\n  lrr: 0.01\n");
  const auto msg = config_error([&] { load_config(path); });
  EXPECT_TRUE(contains(msg, path + ":5:3")) << msg;
  EXPECT_TRUE(contains(msg, "unknown key 'optim.lrr'")) << msg;
  EXPECT_TRUE(contains(msg, "did you mean 'optim.lr'")) << msg;
}

TEST(Config, KeyUnderTheWrongSectionSuggestsTheRightOne) {
  anvil::test_support::TempDir dir;
  const auto msg = config_error([&] { load_config(dir.write("c.yaml", "train:\n  lr: 0.01\n")); });
  EXPECT_TRUE(contains(msg, "did you mean 'optim.lr'")) << msg;
}

TEST(Config, WrongTypeNamesLineAndExpectation) {
  anvil::test_support::TempDir dir;
  const auto path = dir.write("c.yaml", "train:\n  max_steps: 100\n  batch_size: twelve\n");
  const auto msg = config_error([&] { load_config(path); });
  EXPECT_TRUE(contains(msg, path + ":3:")) << msg;
  EXPECT_TRUE(contains(msg, "'train.batch_size' expects an integer, got 'twelve'")) << msg;
}

TEST(Config, IntegersAcceptExponentsButNotFractions) {
  anvil::test_support::TempDir dir;
  EXPECT_EQ(load_config(dir.write("a.yaml", "train:\n  max_steps: 5e3\n")).config.train.max_steps, 5000);
  EXPECT_TRUE(contains(config_error([&] { load_config(dir.write("b.yaml", "train:\n  max_steps: 12.5\n")); }),
                       "expects an integer"));
}

TEST(Config, OutOfRangeValueNamesTheRange) {
  anvil::test_support::TempDir dir;
  const auto msg = config_error([&] { load_config(dir.write("c.yaml", "model:\n  dropout: 1.5\n")); });
  EXPECT_TRUE(contains(msg, "'model.dropout' expects a value in [0, 0.99], got '1.5'")) << msg;
}

TEST(Config, ChoiceListsTheAllowedValues) {
  anvil::test_support::TempDir dir;
  const auto msg = config_error([&] { load_config(dir.write("c.yaml", "schedule:\n  type: cosin\n")); });
  EXPECT_TRUE(contains(msg, "one of cosine, linear, constant, wsd")) << msg;
}

TEST(Config, SyntaxErrorNamesTheLine) {
  anvil::test_support::TempDir dir;
  const auto path = dir.write("c.yaml", "model:\n  n_layer: 2\n  n_head: [1, 2\n");
  const auto msg = config_error([&] { load_config(path); });
  EXPECT_TRUE(contains(msg, path + ":")) << msg;
  EXPECT_TRUE(contains(msg, "invalid YAML")) << msg;
}

TEST(Config, DuplicateKeyIsAnError) {
  anvil::test_support::TempDir dir;
  const auto msg = config_error([&] { load_config(dir.write("c.yaml", "optim:\n  lr: 0.1\n  lr: 0.2\n")); });
  EXPECT_TRUE(contains(msg, "duplicate key 'optim.lr'")) << msg;
}

TEST(Config, SectionGivenAScalarIsAnError) {
  anvil::test_support::TempDir dir;
  const auto msg = config_error([&] { load_config(dir.write("c.yaml", "optim: 0.1\n")); });
  EXPECT_TRUE(contains(msg, "'optim' is a section")) << msg;
}

TEST(Config, MissingFileIsAnError) {
  EXPECT_TRUE(contains(config_error([] { load_config("/nonexistent/run.yaml"); }), "/nonexistent/run.yaml"));
}

TEST(Config, OverridesApplyInOrderAndAreChecked) {
  anvil::test_support::TempDir dir;
  const auto path = dir.write("c.yaml", "optim:\n  lr: 0.1\n");
  const auto c = load_config(path, {"optim.lr=0.2", "model.bias=true", "optim.lr=0.3"}).config;
  EXPECT_DOUBLE_EQ(c.optim.lr, 0.3);
  EXPECT_TRUE(c.model.bias);
  EXPECT_TRUE(contains(config_error([&] { load_config(path, {"optim.lrate=1"}); }), "did you mean 'optim.lr'"));
  EXPECT_TRUE(contains(config_error([&] { load_config(path, {"model.n_layer=many"}); }),
                       "override 'model.n_layer=many': 'model.n_layer' expects an integer"));
  EXPECT_TRUE(contains(config_error([&] { load_config(path, {"model.n_layer"}); }), "expected key.path=value"));
}

TEST(Config, ExpandsDataVariableInPaths) {
  anvil::test_support::TempDir dir;
  setenv("ANVIL_DATA", "/some/where", 1);
  const auto c = load_config(dir.write("c.yaml", "data:\n  train: ${ANVIL_DATA}/x.txt\n")).config;
  unsetenv("ANVIL_DATA");
  EXPECT_EQ(c.data.train, "/some/where/x.txt");
  EXPECT_TRUE(contains(config_error([&] { load_config(dir.write("d.yaml", "data:\n  train: ${NO_SUCH_VAR_X}/a\n")); }),
                       "'NO_SUCH_VAR_X' is not set"));
}

TEST(Config, ValidationChecksFilesAndRelations) {
  anvil::test_support::TempDir dir;
  const auto corpus = dir.write("corpus.txt", "hello");
  const auto ok = load_config(dir.write("ok.yaml", "data:\n  train: " + corpus + "\n"));
  EXPECT_NO_THROW(validate_config(ok));

  const auto path = dir.write("c.yaml", "data:\n  train: " + corpus + "\nmodel:\n  n_head: 3\n");
  auto msg = config_error([&] { validate_config(load_config(path)); });
  EXPECT_TRUE(contains(msg, path + ":4")) << msg;
  EXPECT_TRUE(contains(msg, "divisible by model.n_head (3)")) << msg;

  const auto missing = dir.write("m.yaml", "data:\n  train: /nonexistent/corpus.txt\n");
  msg = config_error([&] { validate_config(load_config(missing)); });
  EXPECT_TRUE(contains(msg, missing + ":2")) << msg;
  EXPECT_TRUE(contains(msg, "does not exist")) << msg;

  msg = config_error([&] { validate_config(load_config(dir.write("n.yaml", "model:\n  n_layer: 1\n"))); });
  EXPECT_TRUE(contains(msg, "data.train (a text file) or data.shards (from anvil prepare) is required")) << msg;

  const auto twice = dir.write("l.yaml", "data:\n  train: " + corpus + "\nclassify:\n  labels: [a, b, a]\n");
  msg = config_error([&] { validate_config(load_config(twice)); });
  EXPECT_TRUE(contains(msg, twice + ":4")) << msg;
  EXPECT_TRUE(contains(msg, "classify.labels lists a label twice")) << msg;
  const auto one = dir.write("o.yaml", "data:\n  train: " + corpus + "\nclassify:\n  labels: [a]\n");
  EXPECT_TRUE(contains(config_error([&] { validate_config(load_config(one)); }), "lists one label")) << msg;
}

TEST(Config, YamlRoundTripKeepsEveryValue) {
  anvil::test_support::TempDir dir;
  auto original = load_config(dir.write("c.yaml", "run:\n  dir: \"a dir: with colon\"\noptim:\n  lr: 0.1\n  eps: 1e-12\n"
                                                  "model:\n  bias: true\n  position: sinusoidal\n"))
                      .config;
  const auto yaml = anvil::recipes::to_yaml(original);
  const auto again = load_config(dir.write("again.yaml", yaml)).config;
  EXPECT_EQ(anvil::recipes::to_yaml(again), yaml);
  EXPECT_EQ(again.run.dir, "a dir: with colon");
  EXPECT_DOUBLE_EQ(again.optim.lr, 0.1);
  EXPECT_DOUBLE_EQ(again.optim.eps, 1e-12);
  EXPECT_EQ(again.model.position, "sinusoidal");
}

TEST(Config, TextOverridesAreTakenVerbatim) {
  anvil::test_support::TempDir dir;
  const auto c = load_config(dir.write("c.yaml", ""), {"generate.prompt=ROMEO: [aside] #1", "run.dir="}).config;
  EXPECT_EQ(c.generate.prompt, "ROMEO: [aside] #1");
  EXPECT_EQ(c.run.dir, "");
}

TEST(Config, PresetFillsTheModelKeysTheConfigLeavesUnset) {
  anvil::test_support::TempDir dir;
  const auto c = load_config(dir.write("c.yaml", "model:\n  preset: llama-tiny\n  n_layer: 2\n"), {"model.n_embd=256"})
                     .config;
  EXPECT_EQ(c.model.n_layer, 2);    // the file wins
  EXPECT_EQ(c.model.n_embd, 256);   // the override wins
  EXPECT_EQ(c.model.n_kv_head, 4);  // from the preset
  EXPECT_EQ(c.model.position, "rope");
  EXPECT_EQ(c.model.norm, "rmsnorm");
  EXPECT_FALSE(c.model.tie_embeddings);
  const auto msg = config_error([&] { load_config(dir.write("d.yaml", "model:\n  preset: gpt5\n")); });
  EXPECT_TRUE(contains(msg, "gpt2-124m")) << msg;
}

// yaml-cpp 0.7's LoadAll loops for ever on these (config_fuzz found the first).
TEST(Config, ATokenNoYamlRuleTakesIsAnErrorNotAHang) {
  anvil::test_support::TempDir dir;
  const auto comma = dir.write("c.yaml", ",");
  auto msg = config_error([&] { load_config(comma); });
  EXPECT_TRUE(contains(msg, comma + ":1:1: invalid YAML: unexpected ','")) << msg;
  const auto later = dir.write("l.yaml", "model:\n  n_layer: 1\n---\n, ");
  msg = config_error([&] { load_config(later); });
  EXPECT_TRUE(contains(msg, later + ":4:1: invalid YAML")) << msg;
}

TEST(Config, NonFiniteNumbersSecondDocumentsAndOddKeysAreErrors) {
  anvil::test_support::TempDir dir;
  auto msg = config_error([&] { load_config(dir.write("i.yaml", "optim:\n  grad_clip: .inf\n")); });
  EXPECT_TRUE(contains(msg, "'optim.grad_clip' expects a finite number, got '.inf'")) << msg;
  EXPECT_EQ(load_config(dir.write("end.yaml", "model:\n  n_layer: 1\n---\n")).config.model.n_layer, 1);
  const auto two = dir.write("two.yaml", "model:\n  n_layer: 1\n---\ntrain:\n  max_steps: 1\n");
  msg = config_error([&] { load_config(two); });
  EXPECT_TRUE(contains(msg, two + ":4")) << msg;
  EXPECT_TRUE(contains(msg, "a second YAML document")) << msg;
  msg = config_error([&] { load_config(dir.write("k.yaml", "? [a, b]\n: 1\n")); });
  EXPECT_TRUE(contains(msg, "a key must be a plain name, got a list")) << msg;
  EXPECT_TRUE(contains(config_error([&] { load_config(dir.path()); }), "is a directory"));
  msg = config_error([&] { load_config(dir.write("s.yaml", "data:\n  sources: [{path: a.txt, path: b.txt}]\n")); });
  EXPECT_TRUE(contains(msg, "duplicate key 'path' in a data.sources entry")) << msg;
  msg = config_error([&] { load_config(dir.write("l.yaml", "lora:\n  targets: [attn.qkv, mlp.fx]\n")); });
  EXPECT_TRUE(contains(msg, "'lora.targets' expects items among attn.qkv")) << msg;
  EXPECT_TRUE(contains(msg, "got 'mlp.fx'")) << msg;
}

TEST(Config, AFlagAmongTheOverridesIsNamedAsOne) {
  anvil::test_support::TempDir dir;
  const auto msg = config_error([&] { load_config(dir.write("c.yaml", ""), {"--nproc", "2"}); });
  EXPECT_TRUE(contains(msg, "override '--nproc': a flag after CONFIG; flags go before it")) << msg;
}

TEST(Config, RunDirExpandsVariables) {
  anvil::test_support::TempDir dir;
  setenv("ANVIL_TEST_RUNS", "/tmp/runs", 1);
  EXPECT_EQ(load_config(dir.write("r.yaml", "run:\n  dir: ${ANVIL_TEST_RUNS}/a\n")).config.run.dir, "/tmp/runs/a");
}

TEST(Config, ValidationRendersEachBenchmarkOnItsFirstDocument) {
  anvil::test_support::TempDir dir;
  const auto corpus = dir.write("corpus.txt", "hello");
  const auto docs = dir.write("docs.jsonl", "{\"q\": \"a\", \"answer\": \"b\"}\n");
  const auto task = dir.write("t.yaml", "task: t\noutput_type: loglikelihood\ndocs: " + docs +
                                            "\ndoc_to_text: \"{{question}}\"\ndoc_to_target: \"{{answer}}\"\n");
  const auto tokenizer = dir.write("sp.model", "x");
  const std::string yaml = "data:\n  train: " + corpus + "\ntokenizer:\n  type: sentencepiece\n  path: " + tokenizer +
                           "\neval:\n  tasks: [" + task + "]\n";
  const auto msg = config_error([&] { validate_config(load_config(dir.write("c.yaml", yaml))); });
  EXPECT_TRUE(contains(msg, "eval.tasks: t, its first document")) << msg;
  EXPECT_TRUE(contains(msg, "question")) << msg;
}

TEST(Config, ValidationRefusesRunsThatWouldGoWrong) {
  anvil::test_support::TempDir dir;
  const auto corpus = dir.write("corpus.txt", "hello");
  const std::string data = "data:\n  train: " + corpus + "\n";
  auto check = [&](const std::string& name, const std::string& yaml) {
    return config_error([&] { validate_config(load_config(dir.write(name, data + yaml))); });
  };
  EXPECT_TRUE(contains(check("a.yaml", "  stride: 100\nmodel:\n  block_size: 64\n"), "data.stride exceeds"));
  EXPECT_TRUE(contains(check("b.yaml", "run:\n  dir: ''\n"), "run.dir is empty"));
  dir.write("base/model.safetensors", "");
  EXPECT_TRUE(contains(check("c.yaml", "model:\n  init_from: " + dir.path("base") + "\nlora:\n  rank: 2\n  targets: []\n"),
                       "needs lora.targets"));
  EXPECT_TRUE(contains(check("d.yaml", "task:\n  type: sft\ntokenizer:\n  path: " + corpus + "\neval:\n  stride: 8\n"),
                       "task.type lm only"));
  EXPECT_TRUE(contains(check("e.yaml", "task:\n  type: sft\ntokenizer:\n  path: " + corpus +
                                           "\nsft:\n  prompt_template: 'no slots'\n"),
                       "sft.prompt_template must hold {instruction} and {input}"));
  const auto msg = check("f.yaml", "eval:\n  predictions: " + corpus + "\n");
  EXPECT_TRUE(contains(msg, "is one of the run's inputs")) << msg;
  const std::string lora = "model:\n  init_from: " + dir.path("base") + "\nlora:\n  rank: 2\n";
  EXPECT_TRUE(contains(check("g.yaml", lora + "  targets: [attn.qkv, attn.qkv]\n"), "lists a layer twice"));
  EXPECT_TRUE(contains(check("h.yaml", lora + "  targets: [mlp.gate]\n"),
                       "'mlp.gate' is not a layer of a gelu MLP (mlp.fc and mlp.proj)"));
}

TEST(Config, TokenizerTrainingRefusesWhatSentencepieceWould) {
  anvil::test_support::TempDir dir;
  const auto corpus = dir.write("corpus.txt", "hello");
  const std::string base = "data:\n  sources: [{path: " + corpus + "}]\ntokenizer:\n  type: sentencepiece\n";
  auto check = [&](const std::string& name, const std::string& yaml) {
    return config_error([&] {
      validate_config(load_config(dir.write(name, base + yaml)), anvil::recipes::ConfigUse::kTokenizerTrain);
    });
  };
  EXPECT_EQ(check("ok.yaml", "  path: " + dir.path("sp.model") + "\n"), "");
  EXPECT_TRUE(contains(check("a.yaml", "  path: " + corpus + "\n"), "is one of data.sources"));
  EXPECT_TRUE(contains(check("b.yaml", "  path: x.model\n  max_sentences: 50\n"), "more than 100"));
  EXPECT_TRUE(contains(check("c.yaml", "  path: x.model\n  special_tokens: [<pad>, <pad>]\n"), "'<pad>' is listed twice"));
  EXPECT_TRUE(contains(check("d.yaml", "  path: x.model\n  special_tokens: [<unk>]\n"), "'<unk>' is listed twice"));
}

// A checkpoint without COMPLETE may be half written; a model directory from
// import-hf or merge-lora has no training state and needs no marker.
TEST(Config, InitFromRefusesACheckpointWithoutItsCompleteMarker) {
  anvil::test_support::TempDir dir;
  const auto corpus = dir.write("corpus.txt", "hello");
  const auto config = [&](const std::string& init_from) {
    return load_config(dir.write("c.yaml", "data:\n  train: " + corpus + "\nmodel:\n  init_from: " + init_from + "\n"));
  };
  dir.write("imported/model.safetensors", "");
  EXPECT_NO_THROW(validate_config(config(dir.path("imported"))));

  dir.write("checkpoints/step_00000010/model.safetensors", "");
  dir.write("checkpoints/step_00000010/trainer_state.json", "{}");
  const auto msg = config_error([&] { validate_config(config(dir.path("checkpoints/step_00000010/"))); });
  EXPECT_TRUE(contains(msg, "c.yaml:4")) << msg;
  EXPECT_TRUE(contains(msg, "is a checkpoint without its COMPLETE marker")) << msg;
  dir.write("checkpoints/step_00000010/COMPLETE", "");
  EXPECT_NO_THROW(validate_config(config(dir.path("checkpoints/step_00000010"))));

  dir.write("checkpoints/.tmp-step_00000020/model.safetensors", "");
  EXPECT_TRUE(contains(config_error([&] { validate_config(config(dir.path("checkpoints/.tmp-step_00000020"))); }),
                       "without its COMPLETE marker"));
}

TEST(Config, PlanChecksRelationsButNotFilesThatMayNotExistYet) {
  anvil::test_support::TempDir dir;
  const auto path = dir.write("p.yaml", "tokenizer:\n  type: sentencepiece\n  path: not/yet.model\nmodel:\n  n_head: 3\n");
  const auto msg = config_error([&] { validate_config(load_config(path), anvil::recipes::ConfigUse::kNoData); });
  EXPECT_TRUE(contains(msg, "divisible by model.n_head (3)")) << msg;
  EXPECT_EQ(config_error([&] {
              validate_config(load_config(path, {"model.n_head=4"}), anvil::recipes::ConfigUse::kNoData);
            }),
            "");
}

// A full fine-tune's checkpoints hold every weight: once it has one, its base
// may be gone (pruned, moved) and the run still resumes and evaluates.
TEST(Config, InitFromIsNeededOnlyWhileItIsRead) {
  anvil::test_support::TempDir dir;
  const auto corpus = dir.write("corpus.txt", "hello");
  const auto path = dir.write("c.yaml", "run:\n  dir: " + dir.path("run") + "\ndata:\n  train: " + corpus +
                                            "\nmodel:\n  init_from: " + dir.path("gone") + "\n");
  EXPECT_TRUE(contains(config_error([&] { validate_config(load_config(path)); }), "does not exist"));
  dir.write("run/checkpoints/step_00000010/COMPLETE", "");
  EXPECT_EQ(config_error([&] { validate_config(load_config(path)); }), "");
  // LoRA still reads its frozen base on every resume.
  EXPECT_TRUE(contains(config_error([&] { validate_config(load_config(path, {"lora.rank=2"})); }), "does not exist"));
}

namespace {

using anvil::recipes::RunConfig;
namespace recipes = anvil::recipes;
namespace models = anvil::models;
namespace training = anvil::training;

const c10::Device kCpu(c10::kCPU), kCuda(c10::kCUDA, 0);

// The message of the RelationError check_relations throws for `config`, after
// its keys ("" if none).
std::string relation_error(const RunConfig& config) {
  try {
    recipes::check_relations(config);
  } catch (const recipes::RelationError& e) {
    std::string keys;
    for (const auto& key : e.keys) keys += (keys.empty() ? "" : ",") + key;
    return keys + ": " + e.what();
  }
  return "";
}

}  // namespace

TEST(Resolve, ZeroAndAutoMeanTheirDefaults) {
  RunConfig c;
  c.model.n_head = 8;
  c.model.block_size = 32;
  c.train.batch_size = 6;
  c.train.max_steps = 70;
  auto r = recipes::resolve(c);
  EXPECT_EQ(r.model.n_kv_head, 8);  // n_kv_head 0: n_head
  EXPECT_EQ(r.eval.batch_size, 6);  // eval.batch_size 0: train.batch_size
  EXPECT_EQ(r.eval.window, 32);     // eval.max_length 0: model.block_size
  EXPECT_EQ(r.data.stride, 32);     // data.stride 0: model.block_size
  EXPECT_EQ(r.schedule.decay_steps, 70);  // schedule.decay_steps 0: train.max_steps
  EXPECT_EQ(r.schedule.peak_lr, c.optim.lr);

  c.model.n_kv_head = 2;
  c.eval.batch_size = 3;
  c.eval.max_length = 16;
  c.data.stride = 5;
  c.schedule.decay_steps = 50;
  r = recipes::resolve(c);
  EXPECT_EQ(r.model.n_kv_head, 2);
  EXPECT_EQ(r.eval.batch_size, 3);
  EXPECT_EQ(r.eval.window, 16);
  EXPECT_EQ(r.data.stride, 5);
  EXPECT_EQ(r.schedule.decay_steps, 50);
}

TEST(Resolve, ChoicesBecomeEnums) {
  RunConfig c;
  auto r = recipes::resolve(c);
  EXPECT_EQ(r.task, recipes::TaskKind::kLm);
  EXPECT_EQ(r.device, recipes::DeviceChoice::kAuto);
  EXPECT_EQ(r.resume, recipes::ResumeMode::kAuto);
  EXPECT_EQ(r.tokenizer, recipes::TokenizerKind::kChar);
  EXPECT_EQ(r.model.position, models::PositionEncoding::kLearned);
  EXPECT_EQ(r.model.norm, models::NormKind::kLayerNorm);
  EXPECT_EQ(r.model.mlp, models::MlpKind::kGelu);
  EXPECT_EQ(r.model.pooling, models::Pooling::kLast);
  EXPECT_EQ(r.data.packing, anvil::data::Packing::kConcat);
  EXPECT_FALSE(r.data.replace_invalid_utf8);
  EXPECT_FALSE(r.data.truncate_overlong);
  EXPECT_EQ(r.data.token_dtype, anvil::data::TokenDtype::kAuto);
  EXPECT_EQ(r.schedule.kind, training::ScheduleKind::kCosine);
  EXPECT_EQ(r.keep_best, recipes::KeepBest::kNone);
  EXPECT_EQ(r.sft_format, anvil::data::SftFormat::kAlpaca);
  EXPECT_EQ(r.sft_packing, recipes::SftPacking::kPad);
  EXPECT_EQ(r.class_weights, recipes::ClassWeights::kNone);

  c.task.type = "classify";
  c.run.device = "cuda";
  c.run.resume = "never";
  c.tokenizer.type = "sentencepiece";
  c.model.position = "rope";
  c.model.norm = "rmsnorm";
  c.model.mlp = "gelu_tanh";
  c.classify.pooling = "mean";
  c.data.packing = "document_masked";
  c.data.invalid_utf8 = "replace";
  c.data.overlong = "truncate";
  c.data.token_dtype = "uint32";
  c.schedule.type = "wsd";
  c.checkpoint.keep_best = "val_accuracy";
  c.sft.format = "messages";
  c.sft.packing = "pack";
  c.classify.class_weights = "balanced";
  r = recipes::resolve(c);
  EXPECT_EQ(r.task, recipes::TaskKind::kClassify);
  EXPECT_EQ(r.device, recipes::DeviceChoice::kCuda);
  EXPECT_EQ(r.resume, recipes::ResumeMode::kNever);
  EXPECT_EQ(r.tokenizer, recipes::TokenizerKind::kSentencePiece);
  EXPECT_EQ(r.model.position, models::PositionEncoding::kRotary);
  EXPECT_EQ(r.model.norm, models::NormKind::kRMSNorm);
  EXPECT_EQ(r.model.mlp, models::MlpKind::kGeluTanh);
  EXPECT_EQ(r.model.pooling, models::Pooling::kMean);
  EXPECT_EQ(r.data.packing, anvil::data::Packing::kDocumentMasked);
  EXPECT_TRUE(r.data.replace_invalid_utf8);
  EXPECT_TRUE(r.data.truncate_overlong);
  EXPECT_EQ(r.data.token_dtype, anvil::data::TokenDtype::kUint32);
  EXPECT_EQ(r.schedule.kind, training::ScheduleKind::kWsd);
  EXPECT_EQ(r.keep_best, recipes::KeepBest::kValAccuracy);
  EXPECT_EQ(r.sft_format, anvil::data::SftFormat::kMessages);
  EXPECT_EQ(r.sft_packing, recipes::SftPacking::kPack);
  EXPECT_EQ(r.class_weights, recipes::ClassWeights::kBalanced);
}

TEST(Resolve, DataSourcesGetTheirFormatDelimiterSplitAndUtf8Policy) {
  RunConfig c;
  c.data.invalid_utf8 = "replace";
  c.data.sources.resize(3);
  c.data.sources[0].path = "web/*.jsonl";
  c.data.sources[1].path = "books.txt";
  c.data.sources[1].split = "val";
  c.data.sources[1].delimiter = "blank_line";
  c.data.sources[2].path = "notes.jsonl";
  c.data.sources[2].format = "txt";
  c.data.sources[2].split = "train";
  c.data.sources[2].weight = 3;
  c.data.sources[2].delimiter = "<|endoftext|>";
  const auto sources = recipes::resolve(c).data.sources;
  ASSERT_EQ(sources.size(), 3u);
  using anvil::data::Delimiter;
  using anvil::data::DocumentFormat;
  using anvil::data::SourceSplit;
  EXPECT_EQ(sources[0].corpus.documents.format, DocumentFormat::kJsonl);
  EXPECT_EQ(sources[1].corpus.documents.format, DocumentFormat::kTxt);
  EXPECT_EQ(sources[2].corpus.documents.format, DocumentFormat::kTxt);  // set, not guessed
  EXPECT_EQ(sources[0].corpus.split, SourceSplit::kAuto);
  EXPECT_EQ(sources[1].corpus.split, SourceSplit::kVal);
  EXPECT_EQ(sources[2].corpus.split, SourceSplit::kTrain);
  EXPECT_EQ(sources[2].weight, 3);
  EXPECT_TRUE(sources[0].corpus.documents.replace_invalid_utf8);
  EXPECT_EQ(sources[0].corpus.documents.delimiter, Delimiter::kFile);
  EXPECT_EQ(sources[1].corpus.documents.delimiter, Delimiter::kBlankLine);
  EXPECT_EQ(sources[2].corpus.documents.delimiter, Delimiter::kSeparator);
  EXPECT_EQ(sources[2].corpus.documents.separator, "<|endoftext|>");
}

TEST(Resolve, PrecisionAutoIsBf16OnCudaOnly) {
  RunConfig c;
  EXPECT_EQ(recipes::resolve_precision(c, kCpu), training::Precision::kFp32);
  EXPECT_EQ(recipes::resolve_precision(c, kCuda), training::Precision::kBf16);
  c.run.precision = "bf16";
  EXPECT_EQ(recipes::resolve_precision(c, kCpu), training::Precision::kBf16);
  c.run.precision = "fp32";
  EXPECT_EQ(recipes::resolve_precision(c, kCuda), training::Precision::kFp32);
}

TEST(Resolve, FusedKernelsAutoMeansCudaWithTheKernelsBuilt) {
  RunConfig c;
  EXPECT_TRUE(recipes::resolve_fused_kernels(c, kCuda, true));
  EXPECT_FALSE(recipes::resolve_fused_kernels(c, kCuda, false));
  EXPECT_FALSE(recipes::resolve_fused_kernels(c, kCpu, true));
  c.run.fused_kernels = "on";
  EXPECT_TRUE(recipes::resolve_fused_kernels(c, kCpu, true));
  try {
    recipes::resolve_fused_kernels(c, kCuda, false);
    ADD_FAILURE() << "on without the kernels must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "run.fused_kernels is on, but this anvil was built without its CUDA kernels"))
        << e.what();
  }
  c.run.fused_kernels = "off";
  EXPECT_FALSE(recipes::resolve_fused_kernels(c, kCuda, true));
}

TEST(Resolve, CudaGraphsWhereTheStepCanBeRecorded) {
  RunConfig c;
  EXPECT_FALSE(recipes::resolve_cuda_graphs(c, kCuda, 1, true));  // off by default
  c.run.cuda_graphs = "auto";
  EXPECT_TRUE(recipes::resolve_cuda_graphs(c, kCuda, 1, true));
  EXPECT_FALSE(recipes::resolve_cuda_graphs(c, kCpu, 1, true));
  EXPECT_FALSE(recipes::resolve_cuda_graphs(c, kCuda, 2, true));
  c.task.type = "sft";  // auto records language modelling only: its batches keep one shape
  EXPECT_FALSE(recipes::resolve_cuda_graphs(c, kCuda, 1, true));
  c.run.cuda_graphs = "on";
  EXPECT_TRUE(recipes::resolve_cuda_graphs(c, kCuda, 1, true));
  auto error = [&](c10::Device device, int world_size, bool built) {
    try {
      recipes::resolve_cuda_graphs(c, device, world_size, built);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error(kCpu, 1, true), "run.cuda_graphs is on, but it needs run.device cuda");
  EXPECT_TRUE(contains(error(kCuda, 1, false), "built against a LibTorch without CUDA"));
  EXPECT_TRUE(contains(error(kCuda, 2, true), "it runs one process only"));
  c.optim.fused = false;
  EXPECT_TRUE(contains(error(kCuda, 1, true), "it needs optim.fused"));
  c.model.activation_checkpointing = 1;
  EXPECT_TRUE(contains(error(kCuda, 1, true), "model.activation_checkpointing recomputes blocks"));
}

TEST(Resolve, EachRelationBetweenKeysIsChecked) {
  EXPECT_EQ(relation_error(RunConfig{}), "");
  auto with = [](auto change) {
    RunConfig c;
    change(c);
    return relation_error(c);
  };
  EXPECT_EQ(with([](RunConfig& c) { c.model.n_head = 3; }),
            "model.n_head,model.n_embd: model.n_embd (128) must be divisible by model.n_head (3), or model.head_dim "
            "set");
  EXPECT_EQ(with([](RunConfig& c) { c.lora.targets = {"attn.qkv", "attn.qkv"}; }),
            "lora.targets: lora.targets lists a layer twice");
  EXPECT_EQ(with([](RunConfig& c) {
              c.lora.rank = 2;
              c.model.mlp = "swiglu";
              c.lora.targets = {"mlp.fc"};
            }),
            "lora.targets,model.mlp: lora.targets: 'mlp.fc' is not a layer of a swiglu MLP (mlp.gate, mlp.up and "
            "mlp.proj)");
  EXPECT_EQ(with([](RunConfig& c) { c.model.n_kv_head = 3; }),
            "model.n_kv_head,model.n_head: model.n_head (4) must be divisible by model.n_kv_head (3)");
  EXPECT_EQ(with([](RunConfig& c) {
              c.model.position = "rope";
              c.model.n_embd = 12;
            }),
            "model.position,model.n_embd: rope needs an even head dimension (model.n_embd / model.n_head)");
  EXPECT_EQ(with([](RunConfig& c) { c.eval.max_length = 65; }),
            "eval.max_length: eval.max_length exceeds model.block_size");
  EXPECT_EQ(with([](RunConfig& c) { c.eval.stride = 65; }),
            "eval.stride,eval.max_length: eval.stride exceeds the window length: tokens between windows would never "
            "be scored");
  EXPECT_EQ(with([](RunConfig& c) {
              c.checkpoint.keep_best = "val_loss";
              c.checkpoint.every = 300;
            }),
            "checkpoint.keep_best,checkpoint.every,eval.every: checkpoint.keep_best needs validation at every "
            "checkpoint: checkpoint.every a multiple of eval.every");
  EXPECT_EQ(with([](RunConfig& c) { c.schedule.min_lr = 1; }),
            "schedule.min_lr,optim.lr: schedule.min_lr must not exceed optim.lr");
  EXPECT_EQ(with([](RunConfig& c) { c.train.max_steps = 50; }),
            "schedule.warmup_steps,schedule.decay_steps,train.max_steps: schedule.warmup_steps (100) exceeds the "
            "decay length (50)");
  EXPECT_EQ(with([](RunConfig& c) {
              c.train.max_steps = 50;
              c.schedule.type = "constant";
            }),
            "");
}

// validate_config places a relation's error where the user set the first of its keys.
TEST(Resolve, ValidationPlacesARelationErrorAtItsKey) {
  anvil::test_support::TempDir dir;
  const auto at_key = dir.write("a.yaml", "train:\n  max_steps: 50\n");
  EXPECT_EQ(config_error([&] { validate_config(load_config(at_key), anvil::recipes::ConfigUse::kNoData); }),
            at_key + ":2: schedule.warmup_steps (100) exceeds the decay length (50)");
  const auto empty = dir.write("b.yaml", "");
  EXPECT_EQ(config_error([&] {
              validate_config(load_config(empty, {"train.max_steps=50"}), anvil::recipes::ConfigUse::kNoData);
            }),
            "override 'train.max_steps=50': schedule.warmup_steps (100) exceeds the decay length (50)");
}

TEST(Config, AModelDirectoryBringsItsTokenizer) {
  anvil::test_support::TempDir dir;
  dir.write("model/tokenizer/tokenizer.json", "{}");
  const auto imported = load_config(dir.write("a.yaml", "model:\n  init_from: " + dir.path("model") + "\n"));
  EXPECT_EQ(imported.config.tokenizer.type, "hf");
  EXPECT_EQ(imported.config.tokenizer.path, dir.path("model") + "/tokenizer");
  EXPECT_EQ(imported.origin.at("tokenizer.path"), "model.init_from");

  const auto named = load_config(dir.write("b.yaml", "tokenizer:\n  path: " + dir.path("model/tokenizer") + "\n"));
  EXPECT_EQ(named.config.tokenizer.type, "hf");

  // A tokenizer the config names wins, and a file is not a model directory.
  const auto chosen = load_config(dir.write("c.yaml", "tokenizer:\n  type: char\nmodel:\n  init_from: " +
                                                          dir.path("model") + "\n"));
  EXPECT_EQ(chosen.config.tokenizer.type, "char");
  EXPECT_EQ(chosen.config.tokenizer.path, "");
  const auto file = load_config(dir.write("d.yaml", "tokenizer:\n  path: " + dir.path("a.yaml") + "\n"));
  EXPECT_EQ(file.config.tokenizer.type, "char");
}
