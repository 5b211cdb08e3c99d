// The progress line's text and the durations people read in it. The console
// is left in its default form (text, not live), so nothing is drawn here.
#include "common/console.h"

#include <gtest/gtest.h>

namespace anvil::common {
namespace {

TEST(FormatDuration, SecondsMinutesHours) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(7.4), "7s");
  EXPECT_EQ(format_duration(242), "4m02s");
  EXPECT_EQ(format_duration(3 * 3600 + 5 * 60 + 9), "3h05m");
  EXPECT_EQ(format_duration(-3), "0s");  // a clock that stepped back is not a negative time
}

TEST(ProgressLine, BarCountsPercentAndFigures) {
  ProgressLine line("train", 40, "step");
  line.update(10, "loss 3.1416");
  const std::string text = line.render(200);
  EXPECT_EQ(text.rfind("train [======>                 ] 10/40  25% | ", 0), 0u) << text;
  EXPECT_NE(text.find(" step/s | loss 3.1416 | "), std::string::npos) << text;
  EXPECT_NE(text.find(" elapsed"), std::string::npos) << text;
  EXPECT_FALSE(line.drawn());  // not a terminal: update() drew nothing
}

TEST(ProgressLine, AFullBarHasNoArrowAndPercentStopsAtAHundred) {
  ProgressLine line("prepare", 8, "B");
  line.update(9);
  const std::string text = line.render(200);
  EXPECT_EQ(text.rfind("prepare [========================] 9/8 100% | ", 0), 0u) << text;
}

TEST(ProgressLine, BytesAreShownInMegabytesWithOneDecimal) {
  ProgressLine line("prepare", 1'100'000, "byte");
  line.update(550'000);
  const std::string text = line.render(200);
  EXPECT_EQ(text.rfind("prepare [============>           ] 0.6/1.1  50% | ", 0), 0u) << text;
  EXPECT_NE(text.find(" MB/s | "), std::string::npos) << text;
}

TEST(ProgressLine, AnUnknownTotalShowsTheUnitAndNoBar) {
  ProgressLine line("tokenizer", 0, "lines");
  line.update(1234);
  const std::string text = line.render(200);
  EXPECT_EQ(text.rfind("tokenizer 1234 lines | ", 0), 0u) << text;
  EXPECT_EQ(text.find('['), std::string::npos) << text;
  EXPECT_EQ(text.find("eta"), std::string::npos) << text;
}

TEST(ProgressLine, FitsTheTerminalWidthLeavingTheLastColumn) {
  ProgressLine line("train", 1000, "step");
  line.update(500, "loss 1.2345 | 12.3k tok/s | mem 1.25 GiB");
  EXPECT_EQ(line.render(30).size(), 29u);  // a full last column would wrap on some terminals
  EXPECT_GT(line.render(300).size(), 29u);
}

TEST(ProgressLine, AResumedRunCountsEarlierStepsInTheBarOnly) {
  ProgressLine line("train", 100, "step");
  line.start_from(50);
  const std::string text = line.render(200);
  EXPECT_EQ(text.rfind("train [============>           ] 50/100  50% | 0.00 step/s", 0), 0u) << text;
  EXPECT_EQ(text.find("eta"), std::string::npos) << text;  // no rate yet, so no estimate
}

}  // namespace
}  // namespace anvil::common
