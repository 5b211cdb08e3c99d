#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "trainer/train_loop.h"

namespace anvil::cli {

int train_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys("usage: anvil train CONFIG [key.path=value ...]");
    return 0;
  }
  trainer::train(load_config_args(args).config);
  return 0;
}

}  // namespace anvil::cli
