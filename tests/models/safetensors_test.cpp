#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "models/gpt.h"
#include "models/safetensors.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tiny_model.h"

using namespace anvil::models;
using anvil::test_support::error_of;

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  anvil::test_support::TempDir dir;
  torch::manual_seed(0);
  const TensorMap tensors = {{"f32", torch::randn({3, 5})},
                             {"bf16", torch::randn({7}).to(torch::kBFloat16)},
                             {"f16", torch::randn({2, 2, 2}).to(torch::kHalf)},
                             {"i64", torch::arange(10)},
                             {"scalar", torch::tensor(3.5)}};
  save_safetensors(dir.path("t.safetensors"), tensors, {{"format", "pt"}});
  Metadata metadata;
  const auto loaded = load_safetensors(dir.path("t.safetensors"), &metadata);
  ASSERT_EQ(loaded.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    EXPECT_EQ(loaded.at(name).scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(loaded.at(name).equal(t)) << name;
  }
  EXPECT_EQ(metadata.at("format"), "pt");
}

TEST(Safetensors, WritesTheDocumentedLayout) {
  anvil::test_support::TempDir dir;
  save_safetensors(dir.path("a.safetensors"), {{"x", torch::tensor({1.0f, 2.0f})}});
  std::ifstream in(dir.path("a.safetensors"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  EXPECT_EQ(length % 8, 0u);
  const std::string header = bytes.substr(8, length);
  EXPECT_NE(header.find("\"x\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}"), std::string::npos) << header;
  float values[2];
  std::memcpy(values, bytes.data() + 8 + length, 8);
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], 2.0f);
}

TEST(Safetensors, TruncatedOrForeignFilesAreErrors) {
  anvil::test_support::TempDir dir;
  save_safetensors(dir.path("ok.safetensors"), {{"x", torch::zeros({100})}});
  std::ifstream in(dir.path("ok.safetensors"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const auto truncated = dir.write("cut.safetensors", bytes.substr(0, bytes.size() - 10));
  auto error_for = [](const std::string& path) {
    return error_of<std::runtime_error>([&] { load_safetensors(path); });
  };
  EXPECT_EQ(error_for(truncated),
            "'" + truncated + "': tensor 'x': data_offsets do not match shape [100] or the file size");
  const auto text = dir.write("text.safetensors", "hello world, not tensors");
  EXPECT_THAT(error_for(text), testing::HasSubstr("'" + text + "' is truncated or not a safetensors file: header of "));
  const auto tiny = dir.write("tiny.safetensors", "abc");
  EXPECT_THAT(error_for(tiny),
              testing::HasSubstr("'" + tiny + "' is not a safetensors file: shorter than its 8-byte header length"));
}

namespace {

// A safetensors file with `header` as its JSON header and `data_bytes` zero bytes of data.
std::string file_with_header(const anvil::test_support::TempDir& dir, const std::string& header, size_t data_bytes) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return dir.write("bad.safetensors", bytes + header + std::string(data_bytes, '\0'));
}

}  // namespace

// A header whose shape torch cannot allocate is an error naming the file and
// the tensor, never torch's bare "negative dimension" or "overflowed".
TEST(Safetensors, BadShapesInTheHeaderNameFileAndTensor) {
  anvil::test_support::TempDir dir;
  const auto error_for = [&](const std::string& shape) {
    const auto path = file_with_header(
        dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,16]}}", 16);
    return anvil::test_support::error_of([&] { load_safetensors(path); });
  };
  const std::string prefix = "'" + dir.path("bad.safetensors") + "': tensor 'w': ";
  EXPECT_EQ(error_for("[-1, 4]"), prefix + "shape must be a list of non-negative integers, got [-1,4]");
  EXPECT_EQ(error_for("[2.5]"), prefix + "shape must be a list of non-negative integers, got [2.5]");
  EXPECT_EQ(error_for("4"), prefix + "shape must be a list of non-negative integers, got 4");
  EXPECT_EQ(error_for("[4294967296, 4294967296, 4]"), prefix + "shape [4294967296, 4294967296, 4] is too large for any file");
  EXPECT_EQ(error_for("[1000000, 1000000]"),
            prefix + "data_offsets do not match shape [1000000, 1000000] or the file size");
  const auto array = file_with_header(dir, "[1, 2]", 0);
  EXPECT_EQ(anvil::test_support::error_of([&] { load_safetensors(array); }),
            "'" + array + "': safetensors header is not a JSON object but array");
}

TEST(Safetensors, ModuleStateLoadsIntoAFreshModelAndChecksShapes) {
  auto c = anvil::test_support::tiny_gpt_config(20, 8, 2, 2, 16);
  torch::manual_seed(0);
  GPT a(c);
  torch::manual_seed(1);
  GPT b(c);
  load_module_state(*b, module_state(*a), "test");
  const auto tokens = torch::randint(20, {2, 8});
  a->eval();
  b->eval();
  EXPECT_TRUE(a->forward(tokens).equal(b->forward(tokens)));

  c.n_embd = 32;
  GPT wider(c);
  try {
    load_module_state(*wider, module_state(*a), "ckpt");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'blocks.0.attn.proj.bias' has shape [16], the model expects [32]"), std::string::npos)
        << e.what();
  }
  auto missing = module_state(*a);
  missing.erase("ln_final.weight");
  EXPECT_EQ(error_of<std::runtime_error>([&] { load_module_state(*b, missing, "ckpt"); }),
            "ckpt: missing tensor 'ln_final.weight'");
}
