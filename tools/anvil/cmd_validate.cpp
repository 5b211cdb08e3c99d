#include <cstdio>

#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"

namespace anvil::cli {

int validate_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys("usage: anvil validate CONFIG [key.path=value ...]\n\n"
                          "Checks keys, types, ranges, relations between keys and that data files exist.");
    return 0;
  }
  load_config_args(args);
  std::printf("%s: OK\n", args[0].c_str());
  return 0;
}

}  // namespace anvil::cli
