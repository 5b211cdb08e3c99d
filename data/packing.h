#pragma once
// How documents fill the fixed-length blocks of token shards (data/shard_blocks.h).
#include <string>

namespace anvil::data {

enum class Packing { kConcat, kDocumentMasked };
Packing packing_from_name(const std::string& name);  // "concat" or "document_masked"

}  // namespace anvil::data
