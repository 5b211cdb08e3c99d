// Python behaviour the harness relies on, reproduced draw for draw: the
// expected numbers are CPython 3.11's (random.Random, ast.literal_eval) and
// lm-evaluation-harness 0.4's bootstrap_stderr(perplexity, ...).
#include <cmath>

#include <gtest/gtest.h>

#include "benchmarks/metrics.h"
#include "benchmarks/python_literal.h"
#include "benchmarks/python_random.h"

namespace anvil::benchmarks {
namespace {

TEST(PythonRandom, GetrandbitsMatchesCPython) {
  PythonRandom r(1234);  // random.Random(1234).getrandbits(32), twice
  EXPECT_EQ(r.getrandbits(32), 4150886329u);
  EXPECT_EQ(r.getrandbits(32), 3342196574u);
  PythonRandom big((uint64_t{1} << 40) + 5);  // a seed of two 32-bit words
  EXPECT_EQ(big.getrandbits(32), 2166296868u);
}

TEST(PythonRandom, SampleFollowsBothOfCPythonsAlgorithms) {
  PythonRandom r(1234);  // large population: rejection from a set
  EXPECT_EQ(r.sample(2376, 4), (std::vector<size_t>{1805, 478, 30, 371}));
  EXPECT_EQ(r.sample(2376, 4), (std::vector<size_t>{143, 343, 403, 1452}));
  PythonRandom s(7);  // small population: pool swaps
  const auto picked = s.sample(100, 30);
  EXPECT_EQ(std::vector<size_t>(picked.begin(), picked.begin() + 5), (std::vector<size_t>{41, 19, 50, 83, 6}));
  EXPECT_THROW(s.sample(3, 4), std::invalid_argument);
}

TEST(PythonLiteral, ReadsWhatTemplatesRender) {
  const auto list = parse_python_literal("['it\\'s', \"a \\\"b\\\"\", 'caf\\xe9', 3, -2.5, True, None, (1, 2)]");
  ASSERT_EQ(list.size(), 8u);
  EXPECT_EQ(list[0], "it's");
  EXPECT_EQ(list[1], "a \"b\"");
  EXPECT_EQ(list[2], "caf\xC3\xA9");
  EXPECT_EQ(list[3], 3);
  EXPECT_DOUBLE_EQ(list[4].get<double>(), -2.5);
  EXPECT_EQ(list[5], true);
  EXPECT_TRUE(list[6].is_null());
  EXPECT_EQ(list[7], nlohmann::ordered_json::array({1, 2}));
  EXPECT_EQ(parse_python_literal("[]"), nlohmann::ordered_json::array());
  EXPECT_THROW(parse_python_literal("['open"), std::invalid_argument);
  EXPECT_THROW(parse_python_literal("[1 2]"), std::invalid_argument);
  EXPECT_THROW(parse_python_literal("[1] x"), std::invalid_argument);
  EXPECT_THROW(parse_python_literal(std::string(100000, '[') + std::string(100000, ']')), std::invalid_argument);
}

TEST(HarnessMetrics, StandardErrorsAsTheHarnessComputesThem) {
  const std::vector<double> acc = {1, 0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(mean(acc), 0.6);
  EXPECT_NEAR(mean_stderr(acc), std::sqrt(0.3) / std::sqrt(5.0), 1e-15);  // sample variance 0.3
  const std::vector<double> lls = {-1.0, -2.0, -3.5, -0.25, -7.0};
  EXPECT_NEAR(perplexity(lls), std::exp(2.75), 1e-12);
  // lm_eval.api.metrics.bootstrap_stderr(perplexity, lls, iters=2000), single process.
  EXPECT_NEAR(perplexity_bootstrap_stderr(lls, 2000), 68.59990870842677, 1e-9);
}

}  // namespace
}  // namespace anvil::benchmarks
