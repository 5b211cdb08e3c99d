#include "recipes/validation.h"

#include <cstdio>
#include <cstring>

#include "benchmarks/benchmark_run.h"
#include "recipes/benchmark_tasks.h"
#include "recipes/resolved_config.h"
#include "recipes/tasks/task.h"
#include "training/evaluate.h"
#include "training/precision.h"

namespace anvil::recipes {
using namespace training;

namespace {

// eval.tasks scored as `anvil eval --tasks` scores them (without the
// bootstrap's standard errors), each metric as TASK/METRIC.
void add_benchmarks(Validation& v, models::GPT& model, const RunData& data, const RunConfig& config) {
  benchmarks::BenchmarkOptions options;
  options.limit = config.eval.task_limit;
  if (config.eval.num_fewshot >= 0) options.num_fewshot = config.eval.num_fewshot;
  options.bootstrap_iters = 0;
  for (const auto& name : config.eval.tasks) {
    const auto result = benchmarks::run_benchmark(load_benchmark(name), model, *data.tokenizer, options);
    for (const auto& m : result.metrics) {
      v.values[result.name + "/" + m.name] = m.value;
      char part[160];
      std::snprintf(part, sizeof part, " | %s %s %.4g", result.name.c_str(), m.name.c_str(), m.value);
      v.line += part;
    }
  }
}

}  // namespace

Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, c10::Device device) {
  const int64_t batch = resolve(config).eval.batch_size;
  AutocastScope autocast(device, resolve_precision(config, device));
  auto v = task_of(config).validate(model, data, config, batch, device);
  add_benchmarks(v, model, data, config);
  return v;
}

Validation validate_next_token(models::GPT& model, const RunData& data, const RunConfig& config, int64_t batch,
                               c10::Device device) {
  const EvalResult r = evaluate(model, *data.val, batch, config.eval.batches, device);
  Validation v;
  v.loss = r.loss;
  v.values = {{"val_loss", r.loss}, {"val_ppl", r.perplexity}};
  char line[256];
  std::snprintf(line, sizeof line, "val loss %.4f | val ppl %.6g", r.loss, r.perplexity);
  if (data.val_bytes_per_token > 0) {
    const double bpb = r.bits_per_byte(data.val_bytes_per_token);
    v.values["val_bpb"] = bpb;
    std::snprintf(line + std::strlen(line), sizeof line - std::strlen(line), " | val bpb %.4f", bpb);
  }
  v.line = line;
  return v;
}

}  // namespace anvil::recipes
