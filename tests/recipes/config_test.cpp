#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/temp_dir.h"
#include "recipes/config_loader.h"

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
