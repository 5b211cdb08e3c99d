#pragma once
// Aggregating per-document scores into a task's figures, with the standard
// errors lm-evaluation-harness reports.
#include <cstdint>
#include <vector>

namespace anvil::benchmarks {

double mean(const std::vector<double>& xs);
// The harness's mean_stderr: the sample standard deviation (n - 1) over sqrt(n).
double mean_stderr(const std::vector<double>& xs);
// exp(-mean(log-likelihoods)).
double perplexity(const std::vector<double>& loglikelihoods);
// The harness's bootstrap_stderr of perplexity, draw for draw: ITERS
// resamples in chunks of up to 1000, chunk i drawn by Python's Random(i)
// with random.choices, then the sample standard deviation of the results.
double perplexity_bootstrap_stderr(const std::vector<double>& loglikelihoods, int64_t iters);

}  // namespace anvil::benchmarks
