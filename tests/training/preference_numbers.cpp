// Test helper: anvil's preference loss, TRL's metrics and the gradients, for
// one batch of token-id pairs on a Hugging Face model directory, computed by
// the functions anvil train's step calls (training/preference_loss), so that
// a test can hold them against TRL's.
//   preference_numbers POLICY_DIR REFERENCE PAIRS.json OUT_DIR [key=value ...]
// REFERENCE: a model directory, or adapters_off (the policy without its LoRA
// adapters). PAIRS.json: [{"prompt": [ids], "chosen": [ids], "rejected": [ids]}];
// the responses' ids are scored as given (add the EOS there). Keys: loss,
// beta, label_smoothing, simpo_gamma, sft_weight; lora_rank, lora_alpha,
// lora_targets (comma-separated), lora_weights (safetensors of the adapters,
// anvil's names). Writes OUT_DIR/numbers.json (loss and TRL's metrics) and
// OUT_DIR/grads.safetensors (every trainable parameter's gradient, anvil's
// names), and without LoRA OUT_DIR/hf/, the gradients in the model's
// Hugging Face layout (export_hf).
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "data/pair_dataset.h"
#include "models/hf_format.h"
#include "models/lora.h"
#include "models/safetensors.h"
#include "training/preference_loss.h"

namespace {
namespace models = anvil::models;
namespace training = anvil::training;
using nlohmann::json;

models::GPT load_hf(const std::string& dir) {
  const auto architecture = models::read_hf_architecture(dir);
  models::GPT model(architecture.config);
  models::load_hf_weights(*model, dir, architecture);
  return model;
}

anvil::data::Example row(const std::vector<int32_t>& prompt, const std::vector<int32_t>& response) {
  std::vector<int32_t> tokens(prompt);
  tokens.insert(tokens.end(), response.begin(), response.end());
  anvil::data::Example e;
  e.inputs.assign(tokens.begin(), tokens.end() - 1);
  for (size_t i = 1; i < tokens.size(); ++i) e.targets.push_back(i >= prompt.size() ? tokens[i] : anvil::data::kIgnoreIndex);
  return e;
}

training::PreferenceLoss loss_named(const std::string& name) {
  if (name == "sigmoid") return training::PreferenceLoss::kSigmoid;
  if (name == "ipo") return training::PreferenceLoss::kIpo;
  if (name == "hinge") return training::PreferenceLoss::kHinge;
  if (name == "simpo") return training::PreferenceLoss::kSimpo;
  throw std::invalid_argument("unknown loss " + name);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: preference_numbers POLICY_DIR REFERENCE PAIRS.json OUT_DIR [key=value ...]\n");
    return 2;
  }
  std::map<std::string, std::string> keys;
  for (int i = 5; i < argc; ++i) {
    const std::string arg = argv[i];
    keys[arg.substr(0, arg.find('='))] = arg.substr(arg.find('=') + 1);
  }
  const auto value = [&](const std::string& key, const std::string& fallback) {
    return keys.count(key) ? keys[key] : fallback;
  };
  training::PreferenceOptions options;
  options.loss = loss_named(value("loss", "sigmoid"));
  options.beta = std::stod(value("beta", "0.1"));
  options.label_smoothing = std::stod(value("label_smoothing", "0"));
  options.simpo_gamma = std::stod(value("simpo_gamma", "0.5"));
  options.sft_weight = std::stod(value("sft_weight", "0"));

  torch::manual_seed(0);
  auto policy = load_hf(argv[1]);
  const bool lora = keys.count("lora_rank") > 0;
  if (lora) {
    models::LoraConfig config;
    config.rank = std::stoll(keys["lora_rank"]);
    config.alpha = std::stod(value("lora_alpha", "16"));
    config.dropout = 0;
    config.targets.clear();
    std::stringstream targets(value("lora_targets", "attn.proj"));
    for (std::string t; std::getline(targets, t, ',');) config.targets.push_back(t);
    models::add_lora(*policy, config);
    const auto adapters = models::load_safetensors(keys.at("lora_weights"));
    torch::NoGradGuard no_grad;
    for (auto& p : policy->named_parameters()) {
      const bool adapter = models::is_lora_tensor(p.key());
      if (adapter) p.value().copy_(adapters.at(p.key()));
      p.value().set_requires_grad(adapter);
    }
  }
  policy->train();

  std::vector<anvil::data::PairExample> pairs;
  std::ifstream in(argv[3]);
  for (const auto& p : json::parse(in)) {
    const auto prompt = p.at("prompt").get<std::vector<int32_t>>();
    pairs.push_back({row(prompt, p.at("chosen").get<std::vector<int32_t>>()),
                     row(prompt, p.at("rejected").get<std::vector<int32_t>>())});
  }
  const int64_t P = static_cast<int64_t>(pairs.size());
  anvil::data::PairDataset dataset(std::move(pairs), policy->config.block_size, /*pad_id=*/0);
  auto batch = dataset.range(0, P);

  const std::string reference = argv[2];
  if (options.uses_reference()) {
    if (reference == "adapters_off") {
      models::AdaptersOff off(*policy);
      batch.reference_logps = training::reference_logps(policy, batch, c10::kCPU);
    } else {
      auto ref = load_hf(reference);
      batch.reference_logps = training::reference_logps(ref, batch, c10::kCPU);
    }
  }
  const auto terms = training::preference_batch_loss(policy, batch, c10::kCPU, options);
  const auto loss = terms.loss_sum / static_cast<double>(P);  // TrainStep's normalisation: the step's pair count
  loss.backward();

  const std::string out = argv[4];
  json numbers = {{"loss", loss.item<double>()}, {"pairs", P}};
  for (size_t i = 0; i < training::kPreferenceMetrics.size(); ++i)
    numbers[training::kPreferenceMetrics[i]] = terms.metric_sums[static_cast<int64_t>(i)].item<double>() / P;
  std::ofstream(out + "/numbers.json") << numbers.dump(2) << "\n";
  models::TensorMap grads, all;
  for (const auto& p : policy->named_parameters()) {
    const auto g = p.value().grad().defined() ? p.value().grad() : torch::zeros_like(p.value());
    if (p.value().requires_grad()) grads[p.key()] = g;
    all[p.key()] = g;
  }
  models::save_safetensors(out + "/grads.safetensors", grads);
  if (!lora) models::export_hf(policy->config, all, out + "/hf");
  return 0;
}
