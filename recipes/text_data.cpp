#include "recipes/run_data.h"

#include <stdexcept>

#include "data/char_tokenizer.h"
#include "data/text_lines.h"
#include "data/token_blocks.h"
#include "recipes/resolved_config.h"

namespace anvil::recipes {
namespace {

torch::Tensor encode_file(const data::Tokenizer& tokenizer, const std::string& text, const std::string& path) {
  try {
    const auto ids = tokenizer.encode(text);
    return torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kLong);
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "': " + e.what());
  }
}

std::shared_ptr<const data::TokenBlocks> make_blocks(const torch::Tensor& tokens, int64_t block_size, int64_t stride,
                                                     const std::string& what) {
  try {
    return std::make_shared<const data::TokenBlocks>(tokens, block_size, stride);
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
}

}  // namespace

RunData load_text_data(const RunConfig& config, std::unique_ptr<data::Tokenizer> tokenizer) {
  const ResolvedConfig options = resolve(config);
  const bool replace_invalid = options.data.replace_invalid_utf8;
  const std::string train_text = data::read_whole_file(config.data.train, replace_invalid);
  if (!tokenizer) {
    if (options.tokenizer == TokenizerKind::kChar)
      tokenizer = std::make_unique<data::CharTokenizer>(data::CharTokenizer::from_text(train_text));
    else
      tokenizer = load_config_tokenizer(config);
  }
  torch::Tensor train_tokens = encode_file(*tokenizer, train_text, config.data.train);
  torch::Tensor val_tokens;
  size_t val_bytes = 0;
  if (config.data.val.empty()) {
    std::tie(train_tokens, val_tokens) = data::split_tokens(train_tokens, config.data.val_fraction);
    const auto ids = val_tokens.to(torch::kInt).contiguous();
    val_bytes = tokenizer->decode({ids.data_ptr<int32_t>(), ids.data_ptr<int32_t>() + ids.numel()}).size();
  } else {
    const std::string val_text = data::read_whole_file(config.data.val, replace_invalid);
    val_tokens = encode_file(*tokenizer, val_text, config.data.val);
    val_bytes = val_text.size();
  }

  const int64_t T = config.model.block_size;
  RunData out;
  out.tokenizer = std::move(tokenizer);
  out.train = {make_blocks(train_tokens, T, options.data.stride, "training data '" + config.data.train + "'")};
  out.weights = {1.0};
  // Validation always tiles the text, so each token is scored once.
  out.val = make_blocks(val_tokens, T, T, "validation data");
  out.val_tokens = val_tokens;
  out.val_bytes_per_token = static_cast<double>(val_bytes) / static_cast<double>(val_tokens.size(0));
  out.description = std::to_string(out.train[0]->size()) + " train blocks from '" + config.data.train + "'";
  return out;
}

}  // namespace anvil::recipes
