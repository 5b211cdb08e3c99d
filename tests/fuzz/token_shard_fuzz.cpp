// A token shard: header, tokens and document index, mapped and checked whole;
// then every document's first token and the last token read back.
#include <algorithm>

#include "data/token_shard.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = anvil::fuzz::input_file(data, size, "fuzz.tok");
  anvil::fuzz::expect_no_crash([&] {
    anvil::data::TokenShard shard(path);
    int64_t token = 0;
    for (int64_t d = 0; d < std::min<int64_t>(shard.documents(), 64); ++d) {
      const int64_t start = shard.document_start(d);
      if (start < shard.size()) {
        shard.read(start, 1, &token);
        shard.document_of(start);
      }
    }
    if (shard.size() > 0) shard.read(shard.size() - 1, 1, &token);
  });
  return 0;
}
