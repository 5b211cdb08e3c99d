#pragma once
// The anvil subcommands, one file each. Each takes the arguments after its
// name and returns the process exit code.
#include <string>
#include <vector>

namespace anvil::cli {

using Args = std::vector<std::string>;

int train_command(const Args& args);
int prepare_command(const Args& args);
int tokenizer_command(const Args& args);
int tokenizer_use_command(const std::string& action, const Args& args);  // encode, decode, chat
int eval_command(const Args& args);
int serve_command(const Args& args);
int generate_command(const Args& args);
int import_hf_command(const Args& args);
int export_hf_command(const Args& args);
int merge_lora_command(const Args& args);
int validate_command(const Args& args);
int plan_command(const Args& args);
int print_config_command(const Args& args);
int plot_command(const Args& args);

}  // namespace anvil::cli
