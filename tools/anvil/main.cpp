// anvil: train and evaluate Transformer language models from YAML configs.
#include <cstdio>
#include <cstring>
#include <exception>

#include <c10/util/Exception.h>

#include "common/console.h"
#include "recipes/config_loader.h"
#include "tools/anvil/commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(const anvil::cli::Args&);
  const char* summary;
};

const Command kCommands[] = {
    {"train", anvil::cli::train_command, "train a model from a config"},
    {"tokenizer", anvil::cli::tokenizer_command, "train a sentencepiece model; encode, decode, chat with a HF one"},
    {"prepare", anvil::cli::prepare_command, "tokenize data.sources into token shards under data.shards"},
    {"eval", anvil::cli::eval_command, "evaluate a checkpoint: validation loss, or benchmark tasks (--tasks)"},
    {"serve", anvil::cli::serve_command, "serve a model over an OpenAI-compatible HTTP API"},
    {"generate", anvil::cli::generate_command, "continue a prompt with a checkpoint (KV cache, top-k, top-p)"},
    {"import-hf", anvil::cli::import_hf_command, "convert a Hugging Face GPT-2 or Llama checkpoint to anvil"},
    {"export-hf", anvil::cli::export_hf_command, "write a checkpoint in the Hugging Face layout"},
    {"merge-lora", anvil::cli::merge_lora_command, "fold a LoRA checkpoint's adapters into its base weights"},
    {"validate", anvil::cli::validate_command, "check a config fully without training"},
    {"plan", anvil::cli::plan_command, "predict a run's memory per rank and whether it fits the GPU"},
    {"print-config", anvil::cli::print_config_command, "print the resolved config as YAML"},
    {"plot", anvil::cli::plot_command, "draw runs' loss and learning-rate curves from metrics.jsonl (SVG, PNG)"},
};

void print_usage() {
  std::printf("usage: anvil <command> [--help] [--quiet] [--log-format text|json] ...\n\ncommands:\n");
  for (const auto& c : kCommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::printf("\noptions of every command:\n"
              "  --quiet, -q          print nothing but warnings and errors (stderr)\n"
              "  --log-format text    log lines; on a terminal, with a live progress line (default)\n"
              "  --log-format json    one JSON object per line on stdout: messages, records, progress\n");
}

// Takes the console options out of the command's arguments: they mean the
// same to every command, wherever they stand.
anvil::cli::Args take_console_options(anvil::cli::Args args) {
  auto format = anvil::common::LogFormat::kText;
  bool quiet = false;
  anvil::cli::Args rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string value;
    if (args[i] == "--quiet" || args[i] == "-q") {
      quiet = true;
      continue;
    }
    if (args[i] == "--log-format") {
      if (i + 1 == args.size()) throw anvil::recipes::ConfigError("--log-format needs a value: text or json");
      value = args[++i];
    } else if (args[i].rfind("--log-format=", 0) == 0) {
      value = args[i].substr(13);
    } else {
      rest.push_back(args[i]);
      continue;
    }
    if (value != "text" && value != "json")
      throw anvil::recipes::ConfigError("--log-format '" + value + "': expected text or json");
    format = value == "json" ? anvil::common::LogFormat::kJson : anvil::common::LogFormat::kText;
  }
  anvil::common::configure_console(anvil::common::console_options(format, quiet));
  return rest;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(take_console_options(anvil::cli::Args(argv + 2, argv + argc)));
    } catch (const anvil::recipes::ConfigError& e) {
      std::fprintf(stderr, "anvil %s: config error: %s\n", c.name, e.what());
      return 2;
    } catch (const c10::Error& e) {
      std::fprintf(stderr, "anvil %s: error: %s\n", c.name, e.what_without_backtrace());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "anvil %s: error: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "anvil: unknown command '%s'\n\n", argv[1]);
  print_usage();
  return 2;
}
