#include <stdexcept>

#include "recipes/tasks/task.h"

namespace anvil::recipes {

// Each defined in its own file, recipes/tasks/NAME.cpp.
const Task& lm_task();
const Task& sft_task();
const Task& classify_task();
const Task& dpo_task();

namespace {

struct Registration {
  const char* name;
  const Task& (*task)();
};

// One line per task.
const Registration kTasks[] = {
    {"lm", lm_task},
    {"sft", sft_task},
    {"classify", classify_task},
    {"dpo", dpo_task},
};

}  // namespace

const Task& task_named(const std::string& type) {
  for (const auto& task : kTasks)
    if (type == task.name) return task.task();
  throw std::runtime_error("task.type '" + type + "' names no task");
}

RunData load_run_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) {
  return task_of(config).load_data(config, std::move(tokenizer));
}

}  // namespace anvil::recipes
