#include <cstdio>

#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"

namespace anvil::cli {

int print_config_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys("usage: anvil print-config CONFIG [key.path=value ...]\n\n"
                          "Prints every key, defaults included, after overrides: the config a run would use.");
    return 0;
  }
  if (args.empty()) throw recipes::ConfigError("missing CONFIG: the path of a YAML config file");
  const auto loaded = recipes::load_config(args[0], {args.begin() + 1, args.end()});
  std::fputs(recipes::to_yaml(loaded.config).c_str(), stdout);
  return 0;
}

}  // namespace anvil::cli
