// YAML config loading with dotted overrides: lines of the input that start
// with '@' are overrides ("@train.max_steps=5"), the rest is the YAML file.
#include <sstream>
#include <vector>

#include "recipes/config_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string yaml, line;
  std::vector<std::string> overrides;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '@') overrides.push_back(line.substr(1));
    else yaml += line + "\n";
  }
  const auto path = anvil::fuzz::input_file(reinterpret_cast<const uint8_t*>(yaml.data()), yaml.size(), "config.yaml");
  anvil::fuzz::expect_no_crash([&] {
    const auto loaded = anvil::recipes::load_config(path, overrides);
    anvil::recipes::to_yaml(loaded.config);
  });
  return 0;
}
