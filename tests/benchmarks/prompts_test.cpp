// Prompts built from the built-in task definitions equal what the harness
// builds. The expected texts are lm-evaluation-harness 0.4's own: its
// hellaswag process_docs, winogrande and copa functions run on these docs.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "benchmarks/docs.h"
#include "benchmarks/prompts.h"
#include "recipes/benchmark_tasks.h"
#include "recipes/config_loader.h"

namespace anvil::benchmarks {
namespace {

using nlohmann::ordered_json;

DocRequests build(const std::string& task, const std::string& doc_json) {
  const auto spec = recipes::load_benchmark(task);
  PromptBuilder builder(spec, {}, false);
  return builder.build(builder.processed(ordered_json::parse(doc_json)));
}

TEST(BuiltinTasks, EveryDefinitionLoads) {
  const auto names = recipes::builtin_benchmark_names();
  EXPECT_EQ(names.size(), 10u);
  for (const auto& name : names) {
    const auto spec = recipes::load_benchmark(name);
    EXPECT_EQ(spec.name, name);
    EXPECT_FALSE(spec.metrics.empty()) << name;
  }
}

TEST(BuiltinTasks, ArcFromAi2Files) {
  const auto r = build("arc_easy", R"({"id": "x", "question": {"stem": "Which is a gas?", "choices": [
      {"text": "ice", "label": "A"}, {"text": "steam", "label": "B"}, {"text": "rock", "label": "C"}]}, "answerKey": "B"})");
  ASSERT_EQ(r.requests.size(), 3u);
  EXPECT_EQ(r.requests[0].context, "Question: Which is a gas?\nAnswer:");
  EXPECT_EQ(r.requests[1].continuation, " steam");
  EXPECT_EQ(r.golds, std::vector<int64_t>{1});
  EXPECT_EQ(r.choices, (std::vector<std::string>{"ice", "steam", "rock"}));
}

TEST(BuiltinTasks, HellaswagProcessDocsAsTheHarness) {
  const auto r = build("hellaswag", R"({"activity_label": "Removing ice from car", "ctx_a": "Then, the man writes over the snow covering the window of a car, and a woman wearing winter clothes smiles.", "ctx_b": "then", "endings": [", the man adds wax to the windshield and cuts it.", " [title] a person board a ski lift, while two men supporting the head of the person wearing winter clothes snow as the we girls sled.", ", the man puts on a christmas coat, knitted with netting.", ", the man continues removing the snow on his car."], "label": 3})");
  EXPECT_EQ(r.requests[0].context,
            "Removing ice from car: Then, the man writes over the snow covering the window of a car, and a woman "
            "wearing winter clothes smiles. Then");
  ASSERT_EQ(r.choices.size(), 4u);
  EXPECT_EQ(r.choices[1], " a person board a ski lift, while two men supporting the head of the person wearing "
                          "winter clothes snow as the we girls sled.");
  EXPECT_EQ(r.golds, std::vector<int64_t>{3});
}

TEST(BuiltinTasks, WinograndeScoresOneContinuationAfterEachContext) {
  const auto r = build("winogrande", R"({"sentence": "Ian volunteered to eat Dennis's menudo after already having a bowl because _ despised eating intestine.", "option1": "Ian", "option2": "Dennis", "answer": "2"})");
  ASSERT_EQ(r.requests.size(), 2u);
  EXPECT_EQ(r.requests[0].context, "Ian volunteered to eat Dennis's menudo after already having a bowl because Ian");
  EXPECT_EQ(r.requests[1].context, "Ian volunteered to eat Dennis's menudo after already having a bowl because Dennis");
  EXPECT_EQ(r.requests[0].continuation, " despised eating intestine.");
  EXPECT_EQ(r.golds, std::vector<int64_t>{1});
}

TEST(BuiltinTasks, CopaKeepsTheHarnesssDoubleSpace) {
  const auto r = build("copa", R"({"premise": "My body cast a shadow over the grass.", "choice1": "The sun was rising.", "choice2": "The grass was cut.", "question": "cause", "label": 0})");
  EXPECT_EQ(r.requests[0].context, "My body cast a shadow over the grass because");
  // The choices start with a space and the default target delimiter adds one.
  EXPECT_EQ(r.requests[0].continuation, "  the sun was rising.");
  EXPECT_EQ(r.golds, std::vector<int64_t>{0});
}

TEST(BuiltinTasks, LambadaSplitsOffTheLastWord) {
  const auto r = build("lambada_openai", R"({"text": "He looked at the clock on the wall"})");
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0].context, "He looked at the clock on the");
  EXPECT_EQ(r.requests[0].continuation, " wall");
}

TEST(BuiltinTasks, BoolqReadsSuperGlueBooleans) {
  const auto r = build("boolq", R"({"question": "is it", "passage": "It is.", "label": true})");
  EXPECT_EQ(r.requests[1].context, "It is.\nQuestion: is it?\nAnswer:");
  EXPECT_EQ(r.requests[1].continuation, " yes");
  EXPECT_EQ(r.golds, std::vector<int64_t>{1});
}

TEST(FewShot, ExamplesDrawnWithTheHarnesssSeedAndNeverTheDocumentItself) {
  auto spec = recipes::load_benchmark("lambada_openai");
  spec.num_fewshot = 2;
  std::vector<Doc> docs;
  for (int i = 0; i < 6; ++i) docs.push_back(ordered_json{{"text", "story " + std::to_string(i) + " ends here"}});
  // Random(1234).sample(range(6), 3) == [3, 0, 4] (CPython 3.11): doc 4 is
  // dropped for itself. The target " here" after the default delimiter " "
  // makes two spaces, as in the harness.
  PromptBuilder same(spec, docs, /*same_split=*/true);
  EXPECT_EQ(same.build(docs[4]).requests[0].context, "story 3 ends  here\n\nstory 0 ends  here\n\nstory 4 ends");
  PromptBuilder other(spec, docs, /*same_split=*/false);  // Random(1234).sample(range(6), 2) == [3, 0]
  EXPECT_EQ(other.build(docs[1]).requests[0].context, "story 3 ends  here\n\nstory 0 ends  here\n\nstory 1 ends");
}

class TaskFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("anvil_task_" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path) << text;
    path_ = path.string();
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

TEST_F(TaskFile, ErrorsNameTheFileLineAndKey) {
  const auto expect_error = [&](const std::string& yaml, const std::string& part) {
    try {
      recipes::load_benchmark(write(yaml));
      ADD_FAILURE() << "no error for: " << yaml;
    } catch (const recipes::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    }
  };
  expect_error("task: t\ndocs: a.jsonl\ndoc_to_text: x\ndoc_to_target: y\ndoc_to_choice: z\nbogus: 1\n",
               "line 6: unknown key 'bogus'");
  expect_error("task: t\ndoc_to_text: x\ndoc_to_target: y\ndoc_to_choice: z\n", "'docs'");
  expect_error("task: t\ndocs: a\ndoc_to_text: x\ndoc_to_target: y\n", "needs 'doc_to_choice'");
  expect_error("task: t\ndocs: a\ndoc_to_text: x\ndoc_to_target: y\ndoc_to_choice: z\nmetric_list: [bleu]\n",
               "unknown metric 'bleu'");
  expect_error("task: t\noutput_type: essay\n", "'output_type' must be");
  expect_error("task: [t\n", "line");
}

TEST(Golds, AListOfGoldsAndGoldsThatNameNoChoice) {
  auto spec = recipes::load_benchmark("arc_easy");
  PromptBuilder builder(spec, {}, false);
  const auto doc = [](const ordered_json& key) {
    return ordered_json{{"id", "q"},
                        {"question", {{"stem", "Which?"},
                                      {"choices", ordered_json::array({{{"label", "A"}, {"text", "a"}},
                                                                       {{"label", "B"}, {"text", "b"}},
                                                                       {{"label", "C"}, {"text", "c"}}})}}},
                        {"answerKey", key}};
  };
  EXPECT_EQ(builder.build(builder.processed(doc("C"))).golds, std::vector<int64_t>{2});
  // The harness scores a gold outside the choices as wrong, with a warning; anvil refuses the document.
  const auto expect_error = [&](const std::string& yaml_target, const std::string& part) {
    auto s = spec;
    s.doc_to_target = yaml_target;
    PromptBuilder b(s, {}, false);
    try {
      b.build(b.processed(doc("A")));
      ADD_FAILURE() << yaml_target;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_error("{{7}}", "the gold index 7 is not one of the 3 choices");
  expect_error("D", "the gold answer \"D\" is not one of the choices");
  auto listed = spec;
  listed.doc_to_target = "{{[0, 2]}}";
  PromptBuilder b(listed, {}, false);
  EXPECT_EQ(b.build(b.processed(doc("A"))).golds, (std::vector<int64_t>{0, 2}));
}

TEST(Description, IsATemplateOverTheDocument) {
  auto spec = recipes::load_benchmark("arc_easy");
  spec.description = "About {{id}}:\n";
  PromptBuilder builder(spec, {}, false);
  const auto r = builder.build(builder.processed(ordered_json{
      {"id", "q7"},
      {"question", {{"stem", "Which?"}, {"choices", ordered_json::array({{{"label", "A"}, {"text", "a"}}})}}},
      {"answerKey", "A"}}));
  EXPECT_EQ(r.requests[0].context, "About q7:\nQuestion: Which?\nAnswer:");
}

TEST_F(TaskFile, DocsNestedTooDeepAreRefusedNotACrash) {
  const std::string docs = write(std::string(100000, '[') + std::string(100000, ']') + "\n");
  DocFiles files;
  files.path = docs;
  try {
    read_docs(files);
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(docs + ", line 1: JSON nested more than 256 levels"), std::string::npos)
        << e.what();
  }
}

TEST(Tasks, UnknownNameListsTheBuiltIns) {
  try {
    recipes::load_benchmark("arc_eazy");
    ADD_FAILURE();
  } catch (const recipes::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("arc_easy"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace anvil::benchmarks
