#include "tokenizers/decoders.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace anvil::tokenizers {
namespace {

using nlohmann::json;
using Texts = std::vector<std::string>;

Texts decoded(const json& config, Texts tokens) {
  decoder_from_json(config, "test.json")->decode_chain(tokens);
  return tokens;
}

TEST(Decoders, ByteLevelJoinsBytes) {
  EXPECT_EQ(decoded({{"type", "ByteLevel"}}, {"Hello", "\u0120world", "\u00e2\u0124\u00ac"}), (Texts{"Hello world\u20ac"}));
  EXPECT_EQ(decoded({{"type", "ByteLevel"}}, {"\u00e2\u0124"}), (Texts{"\ufffd"}));  // a cut character
}

TEST(Decoders, MetaspaceDropsTheFirstPrefix) {
  const json config = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}};
  EXPECT_EQ(decoded(config, {"\u2581Hey", "\u2581you"}), (Texts{"Hey", " you"}));
}

TEST(Decoders, ByteFallbackJoinsValidBytesOnly) {
  EXPECT_EQ(decoded({{"type", "ByteFallback"}}, {"a", "<0xE2>", "<0x82>", "<0xAC>", "b"}), (Texts{"a", "\u20ac", "b"}));
  EXPECT_EQ(decoded({{"type", "ByteFallback"}}, {"<0xE2>", "<0x82>"}), (Texts{"\ufffd", "\ufffd"}));
}

TEST(Decoders, FuseStripReplaceSequence) {
  EXPECT_EQ(decoded({{"type", "Fuse"}}, {"a", "b"}), (Texts{"ab"}));
  EXPECT_EQ(decoded({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 1}}, {"  a  "}), (Texts{" a "}));
  EXPECT_EQ(decoded({{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}}, {"\u2581a\u2581"}),
            (Texts{" a "}));
  const json llama = {{"type", "Sequence"},
                      {"decoders",
                       {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                        {{"type", "ByteFallback"}},
                        {{"type", "Fuse"}},
                        {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  EXPECT_EQ(decoded(llama, {"\u2581Hi", "<0x21>", "\u2581there"}), (Texts{"Hi! there"}));
}

TEST(Decoders, UnsupportedTypeNamesTypeAndFile) {
  try {
    decoder_from_json({{"type", "WordPiece"}}, "m/tokenizer.json");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "m/tokenizer.json: unsupported decoder type 'WordPiece'");
  }
}

}  // namespace
}  // namespace anvil::tokenizers
