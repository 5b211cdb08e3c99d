#include "recipes/validation.h"

#include <cstdio>
#include <cstring>

#include "training/classification_metrics.h"
#include "training/evaluate.h"
#include "training/precision.h"
#include "recipes/resolved_config.h"

namespace anvil::recipes {
using namespace training;

Validation validate(models::GPT& model, const RunData& data, const RunConfig& config, c10::Device device) {
  const int64_t batch = resolve(config).eval.batch_size;
  Validation v;
  char line[256];
  AutocastScope autocast(device, resolve_precision(config, device));
  if (config.task.type == "classify") {
    const auto r = evaluate_classification(model, *data.val, batch, device);
    v.loss = r.loss;
    v.accuracy = r.accuracy;
    v.values = {{"val_loss", r.loss}, {"val_accuracy", r.accuracy}, {"val_macro_f1", r.macro_f1}};
    std::snprintf(line, sizeof line, "val loss %.4f | val accuracy %.4f | val macro-F1 %.4f", r.loss, r.accuracy,
                  r.macro_f1);
  } else {
    const EvalResult r = evaluate(model, *data.val, batch, config.eval.batches, device);
    v.loss = r.loss;
    v.values = {{"val_loss", r.loss}, {"val_ppl", r.perplexity}};
    std::snprintf(line, sizeof line, "val loss %.4f | val ppl %.6g", r.loss, r.perplexity);
    if (data.val_bytes_per_token > 0) {
      const double bpb = r.bits_per_byte(data.val_bytes_per_token);
      v.values["val_bpb"] = bpb;
      std::snprintf(line + std::strlen(line), sizeof line - std::strlen(line), " | val bpb %.4f", bpb);
    }
  }
  v.line = line;
  return v;
}

}  // namespace anvil::recipes
