#include "tools/anvil/output_dir.h"

#include <stdexcept>

namespace anvil::cli {
namespace fs = std::filesystem;
namespace {

const std::string& checked_empty(const std::string& out_dir) {
  if (fs::exists(out_dir) && !(fs::is_directory(out_dir) && fs::is_empty(out_dir)))
    throw std::runtime_error("output directory '" + out_dir +
                             "' already exists and is not empty: name a new directory (nothing is overwritten)");
  return out_dir;
}

}  // namespace

StagedOutputDir::StagedOutputDir(const std::string& out_dir)
    : staged_(fs::absolute(checked_empty(out_dir))) {}

}  // namespace anvil::cli
