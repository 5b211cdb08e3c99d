#include "recipes/validation.h"

#include <cstdio>
#include <cstring>

#include "recipes/resolved_config.h"
#include "recipes/tasks/task.h"
#include "training/evaluate.h"
#include "training/precision.h"

namespace anvil::recipes {
using namespace training;

Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, c10::Device device) {
  const int64_t batch = resolve(config).eval.batch_size;
  AutocastScope autocast(device, resolve_precision(config, device));
  return task_of(config).validate(model, data, config, batch, device);
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
