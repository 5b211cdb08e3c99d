#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/char_tokenizer.h"
#include "data/text_lines.h"
#include "data/tokenizer_training.h"
#include "models/lora.h"
#include "models/safetensors.h"
#include "tests/support/accumulation.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"
#include "training/checkpoint.h"
#include "recipes/config_loader.h"
#include "training/loss.h"
#include "recipes/model_builder.h"
#include "recipes/training_parts.h"
#include "training/adamw.h"
#include "recipes/run_data.h"
#include "recipes/trainer.h"

using namespace anvil;

namespace {

// A sentencepiece model (it has the EOS that ends responses), trained once.
const std::string& sentencepiece_model() {
  static test_support::TempDir dir;
  static const std::string path = [] {
    const std::string text = data::read_whole_file(test_support::shakespeare_path(), false).substr(0, 100000);
    data::TokenizerTrainingOptions options;
    options.vocab_size = 400;
    options.threads = 1;
    const std::string model = dir.path("sp.model");
    data::train_sentencepiece([&](const auto& visit) { visit(text); }, options, model);
    return model;
  }();
  return path;
}

recipes::RunConfig small_model(const test_support::TempDir& dir) {
  recipes::RunConfig c;
  c.run.dir = dir.path("run");
  c.run.device = "cpu";
  c.run.threads = 1;
  c.model.n_layer = 2;
  c.model.n_head = 2;
  c.model.n_embd = 32;
  c.model.block_size = 48;
  c.schedule.warmup_steps = 0;
  c.schedule.min_lr = 0;
  c.train.log_every = 1;
  c.eval.every = 0;
  return c;
}

// Prompt/completion pairs of different lengths, so batches need padding.
recipes::RunConfig sft_run(const test_support::TempDir& dir) {
  auto c = small_model(dir);
  c.task.type = "sft";
  c.sft.format = "prompt_completion";
  c.tokenizer.type = "sentencepiece";
  c.tokenizer.path = sentencepiece_model();
  std::ofstream out(dir.path("pairs.jsonl"));
  for (int i = 0; i < 40; ++i)
    out << nlohmann::json{{"prompt", "Speak, " + std::string(i % 5 + 1, 'o') + " lord:"},
                          {"completion", " I will " + std::string(i % 5 + 1, 'a') + " say."}}
               .dump()
        << '\n';
  out.close();
  c.data.train = dir.path("pairs.jsonl");
  c.data.val_fraction = 0.2;
  return c;
}

std::string error_of(const recipes::RunConfig& config) {
  return test_support::error_of([&] { recipes::load_run_data(config); });
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(Finetune, SftGradientAccumulationMatchesOneLargeBatch) {
  test_support::TempDir dir;
  test_support::expect_accumulation_matches_one_large_batch(dir, sft_run(dir), 1e-6);
}

TEST(Finetune, SftLearnsTheResponses) {
  test_support::TempDir dir;
  auto config = sft_run(dir);
  config.train.max_steps = 100;
  config.train.batch_size = 8;
  config.optim.lr = 3e-3;
  config.sft.packing = "pack";
  const auto summary = recipes::train(config);
  EXPECT_LT(summary.final_val_loss, 1.0);  // from ln(400) = 6.0: the prompt determines the response
}

TEST(Finetune, SftBadInputsNameFileAndLine) {
  test_support::TempDir dir;
  auto config = sft_run(dir);
  config.data.train = dir.write("missing.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"}\n");
  EXPECT_TRUE(contains(error_of(config), "missing.jsonl:2: no field 'completion' (fields: prompt)"));
  config.data.train = dir.write("broken.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \n");
  EXPECT_TRUE(contains(error_of(config), "broken.jsonl:2: not valid JSON"));
  const std::string long_prompt = std::string(300, 'x');
  config.data.train = dir.write("long.jsonl", "{\"prompt\": \"" + long_prompt + "\", \"completion\": \"b\"}\n");
  EXPECT_TRUE(contains(error_of(config), "long.jsonl:1: example of"));
  EXPECT_TRUE(contains(error_of(config), "exceeds model.block_size 48"));
  config.data.overlong = "truncate";  // cut to the block, the prompt fills it: left out, and said so
  config.data.train = dir.write("long2.jsonl", "{\"prompt\": \"" + long_prompt + "\", \"completion\": \"b\"}\n" +
                                                   "{\"prompt\": \"a\", \"completion\": \"b\"}\n" +
                                                   "{\"prompt\": \"c\", \"completion\": \"d\"}\n");
  config.data.val = dir.write("val.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
  EXPECT_NE(recipes::load_run_data(config).description.find("1 left out: their prompt fills model.block_size"),
            std::string::npos);
  config.data.val.clear();
  config.sft.format = "messages";  // no assistant turn: the whole example would be masked
  config.data.train = dir.write("users.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
  EXPECT_TRUE(contains(error_of(config), "users.jsonl:1: nothing to train on: no response tokens"));
  config.data.train = dir.write("roles.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, "
                                               "{\"role\": \"assisstant\", \"content\": \"yo\"}]}\n");
  EXPECT_TRUE(contains(error_of(config), "roles.jsonl:1: message role 'assisstant': expected system, user, assistant"));
  config.data.train = dir.write("text.jsonl", "{\"messages\": \"hello\"}\n");
  EXPECT_TRUE(contains(error_of(config), "text.jsonl:1: field 'messages' is not a list of messages but string"));
  config.sft.format = "alpaca";
  config.data.train = dir.write("null.jsonl", "{\"instruction\": \"a\", \"input\": null, \"output\": \"b\"}\n");
  EXPECT_TRUE(contains(error_of(config), "null.jsonl:1: field 'input' is not a string but null"));
}

namespace {

// The token count that the too-long-example error reports for one alpaca record.
int64_t alpaca_tokens(test_support::TempDir& dir, recipes::RunConfig config, const std::string& input) {
  config.sft.format = "alpaca";
  config.sft.prompt_template = "{instruction}|{input}|";
  config.data.train = dir.write("a.jsonl", nlohmann::json{{"instruction", std::string(200, 'o')}, {"input", input},
                                                          {"output", "b"}}.dump() + "\n");
  const std::string msg = error_of(config);
  const auto at = msg.find("example of ");
  return at == std::string::npos ? -1 : std::stoll(msg.substr(at + 11));
}

}  // namespace

TEST(Finetune, TemplateSlotsInsideFieldsStayAsWritten) {
  test_support::TempDir dir;
  const auto config = sft_run(dir);
  const int64_t plain = alpaca_tokens(dir, config, "{instructioX}");
  ASSERT_GT(plain, config.model.block_size);
  // Were "{instruction}" in the input filled in, the 200 o's would come twice.
  EXPECT_LE(std::abs(alpaca_tokens(dir, config, "{instruction}") - plain), 2);
}

namespace {

// Texts whose label is their first word: learnable in a few steps.
std::string classify_text(int i) {
  const char* fillers[] = {"the film", "a story, told", "some \"quoted\" words", "it was"};
  return std::string(i % 2 ? "good " : "bad ") + fillers[i % 4];
}

recipes::RunConfig classify_run(const test_support::TempDir& dir) {
  auto c = small_model(dir);
  c.task.type = "classify";
  const auto chars = data::CharTokenizer::from_text("abcdefghijklmnopqrstuvwxyz ,\"");
  c.tokenizer.path = dir.path("chars.json");
  chars.save(c.tokenizer.path);
  std::ofstream out(dir.path("train.csv"));
  out << "text,label\n";
  for (int i = 0; i < 64; ++i) {
    std::string quoted = classify_text(i);  // csv: quotes inside a quoted field are doubled
    for (size_t at = quoted.find('"'); at != std::string::npos; at = quoted.find('"', at + 2)) quoted.insert(at, "\"");
    out << '"' << quoted << "\"," << (i % 2 ? "pos" : "neg") << '\n';
  }
  out.close();
  c.data.train = dir.path("train.csv");
  c.data.val_fraction = 0.25;
  c.classify.text_field = "text";
  c.train.batch_size = 8;
  c.optim.lr = 3e-3;
  return c;
}

}  // namespace

TEST(Finetune, ClassifierLearnsAndNamesItsLabels) {
  test_support::TempDir dir;
  auto config = classify_run(dir);
  config.train.max_steps = 40;
  const auto summary = recipes::train(config);
  EXPECT_EQ(summary.final_val_accuracy, 1.0);
  // The run's config names the classes in id order, for eval and later runs.
  const auto resolved = recipes::load_config(config.run.dir + "/config.yaml").config;
  EXPECT_EQ(resolved.classify.labels, (std::vector<std::string>{"neg", "pos"}));
}

TEST(Finetune, ClassificationBadInputsNameFileAndLine) {
  test_support::TempDir dir;
  auto config = classify_run(dir);
  config.classify.labels = {"neg", "pos"};
  config.data.train = dir.write("t.tsv", "sentence\tlabel\ngood\tpos\nbad\tnegative\n");
  config.classify.text_field = "sentence";
  EXPECT_TRUE(contains(error_of(config), "t.tsv:3: label 'negative' is not one of the labels (neg, pos)"));
  config.data.train = dir.write("e.tsv", "sentence\tlabel\ngood\tpos\n \tneg\n");
  EXPECT_TRUE(contains(error_of(config), "e.tsv:3: empty text"));
  config.data.train = dir.write("c.tsv", "text\tlabel\ngood\tpos\n");
  EXPECT_TRUE(contains(error_of(config), "has no column 'sentence' (columns: text, label)"));
}

TEST(Finetune, LabelsAreTrimmedSortedAndAtLeastTwo) {
  test_support::TempDir dir;
  auto config = classify_run(dir);
  config.classify.text_field = "sentence";
  config.data.val_fraction = 0;
  config.data.val = dir.write("v.tsv", "sentence\tlabel\ngood\t10\n");
  config.data.train = dir.write("t.tsv", "sentence\tlabel\ngood\t10 \nbad\t9\nok\t10\n");
  EXPECT_EQ(recipes::load_run_data(config).labels, (std::vector<std::string>{"9", "10"}));
  config.data.train = dir.write("m.tsv", "sentence\tlabel\ngood\t-\nbad\t9\n");  // not integers: sorted as text
  config.data.val = dir.write("v2.tsv", "sentence\tlabel\ngood\t-\n");
  EXPECT_EQ(recipes::load_run_data(config).labels, (std::vector<std::string>{"-", "9"}));
  config.data.train = dir.write("one.tsv", "sentence\tlabel\ngood\tpos\nbad\tpos\n");
  EXPECT_TRUE(contains(error_of(config), "one.tsv': every example has the label 'pos'"));
}

TEST(Finetune, LoraTrainsOnlyAdaptersAndHeadAndNeverMovesTheBase) {
  test_support::TempDir dir;
  auto base = classify_run(dir);
  base.task.type = "lm";  // a pretrained LM to adapt: any checkpoint will do
  std::string corpus;
  for (int i = 0; i < 200; ++i) corpus += classify_text(i) + "\n";
  base.data.train = dir.write("corpus.txt", corpus);
  base.train.max_steps = 5;
  base.run.dir = dir.path("base");
  const auto pretrained = recipes::train(base).checkpoint;

  auto config = classify_run(dir);
  config.model.init_from = pretrained;
  config.lora.rank = 4;
  config.lora.targets = {"attn.qkv", "attn.proj", "mlp.fc", "mlp.proj"};
  config.train.max_steps = 30;
  const auto summary = recipes::train(config);
  EXPECT_GT(summary.final_val_accuracy, 0.8);

  // The checkpoint holds adapters (2 blocks × 4 layers × A, B) and the head only.
  const auto saved = models::load_safetensors(summary.checkpoint + "/model.safetensors");
  for (const auto& [name, _] : saved)
    EXPECT_TRUE(models::is_lora_tensor(name) || name.rfind("score.", 0) == 0) << name;
  EXPECT_EQ(saved.size(), 2u * 4u * 2u + 2u);

  // Optimizer steps, weight decay included, move adapters and head but no base weight.
  const auto data = recipes::load_run_data(config, training::load_checkpoint_tokenizer(pretrained, "char"));
  auto model = recipes::build_model(config, data.tokenizer->vocab_size(), 2, c10::Device(c10::kCPU));
  training::AdamW optimizer(recipes::trainable_parameters(model), recipes::adamw_options(config.optim));
  models::TensorMap before;
  for (const auto& [name, tensor] : models::module_state(*model)) before[name] = tensor.clone();
  for (int step = 0; step < 3; ++step) {
    const auto batch = data.train[0]->gather({0, 1, 2, 3});
    optimizer.zero_grad();
    training::summed_token_loss(model->forward(batch.inputs), batch.targets).backward();
    optimizer.step();
  }
  const auto after = models::module_state(*model);
  for (const auto& [name, tensor] : before) {
    const bool trains = models::is_lora_tensor(name) || name.rfind("score.", 0) == 0;
    EXPECT_EQ(torch::equal(tensor, after.at(name)), !trains) << name;
  }
}
