#include <gtest/gtest.h>

#include <string>

#include "common/tfrecord.h"

using anvil::common::crc32c;
using anvil::common::read_tfrecords;
using anvil::common::tfrecord;

TEST(TfRecord, Crc32cIsCastagnolis) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the check value of CRC-32C
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(TfRecord, FramesLengthDataAndBothChecksums) {
  const std::string record = tfrecord("abc");
  ASSERT_EQ(record.size(), 8u + 4u + 3u + 4u);
  EXPECT_EQ(record.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(record.substr(12, 3), "abc");
}

TEST(TfRecord, ReadingStopsAtACutOrDamagedRecord) {
  const std::string bytes = tfrecord("first") + tfrecord("second") + tfrecord("third");
  const auto whole = read_tfrecords(bytes);
  ASSERT_EQ(whole.records.size(), 3u);
  EXPECT_EQ(whole.records[1], "second");
  EXPECT_EQ(whole.valid_bytes, bytes.size());

  const auto cut = read_tfrecords(bytes.substr(0, bytes.size() - 2));
  EXPECT_EQ(cut.records.size(), 2u);
  EXPECT_EQ(cut.valid_bytes, tfrecord("first").size() + tfrecord("second").size());

  std::string damaged = bytes;
  damaged[tfrecord("first").size() + 12] ^= 1;  // a byte of "second"
  const auto checked = read_tfrecords(damaged);
  EXPECT_EQ(checked.records.size(), 1u);
  EXPECT_EQ(checked.valid_bytes, tfrecord("first").size());
}
