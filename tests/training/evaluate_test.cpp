#include <gtest/gtest.h>

#include "data/token_blocks.h"
#include "models/gpt.h"
#include "tests/support/tiny_model.h"
#include "training/evaluate.h"

using namespace anvil;

namespace {

// Token blocks that record which blocks evaluation asks for.
class RecordingBlocks final : public data::BlockDataset {
 public:
  explicit RecordingBlocks(const data::TokenBlocks& blocks) : blocks_(blocks) {}
  int64_t size() const override { return blocks_.size(); }
  int64_t block_size() const override { return blocks_.block_size(); }
  data::Batch gather(const std::vector<int64_t>& ids) const override {
    asked.insert(asked.end(), ids.begin(), ids.end());
    return blocks_.gather(ids);
  }
  mutable std::vector<int64_t> asked;

 private:
  const data::TokenBlocks& blocks_;
};

}  // namespace

// eval.batches takes blocks from all over the validation set (every source of
// a mixture, all of a long file), the same ones each time; 0 takes them all.
TEST(Evaluate, APartialValidationSpreadsOverTheWholeSet) {
  const data::TokenBlocks blocks(torch::arange(8 * 16 + 1) % 50, 16);  // 8 blocks
  models::GPT model(test_support::tiny_gpt_config(50, 16, 1, 2, 16));
  RecordingBlocks recorded(blocks);
  const auto first = training::evaluate(model, recorded, 2, 1, torch::kCPU);
  EXPECT_EQ(recorded.asked, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(first.tokens, 2 * 16);
  recorded.asked.clear();
  EXPECT_EQ(training::evaluate(model, recorded, 2, 1, torch::kCPU).loss, first.loss);
  recorded.asked.clear();
  training::evaluate(model, recorded, 3, 2, torch::kCPU);
  EXPECT_EQ(recorded.asked, (std::vector<int64_t>{0, 1, 2, 4, 5, 6}));
  recorded.asked.clear();
  EXPECT_EQ(training::evaluate(model, recorded, 3, 0, torch::kCPU).tokens, 8 * 16);
  EXPECT_EQ(recorded.asked, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}
