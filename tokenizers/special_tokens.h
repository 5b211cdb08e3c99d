#pragma once
// The named special tokens (bos_token, eos_token, ...) as transformers
// resolves them: the class's defaults, then tokenizer_config.json, then, for
// configs without added_tokens_decoder, special_tokens_map.json.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizers/hf_tokenizer.h"
#include "tokenizers/pipeline.h"

namespace anvil::tokenizers {

std::map<std::string, std::string> resolve_named_tokens(std::map<std::string, std::string> defaults,
                                                        const nlohmann::json& config,
                                                        const nlohmann::json& special_tokens_map);

// Named tokens the pipeline lacks become special added tokens, as transformers adds them.
void add_named_tokens(const std::map<std::string, std::string>& named, Pipeline& pipeline);

// `generation_config` may be null; `default_end_ids` are the format's stop tokens.
SpecialTokens special_tokens_of(const std::map<std::string, std::string>& named, const Pipeline& pipeline,
                                const nlohmann::json& generation_config, const std::vector<int32_t>& default_end_ids,
                                const std::string& generation_file);

}  // namespace anvil::tokenizers
