#include "distcnn/base/quantity.h"

#include <gtest/gtest.h>

#include <string>

namespace distcnn {
namespace {

double Parse(const std::string& text, QuantityKind kind) {
  Result<double> r = ParseQuantity(text, kind);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? *r : -12345;
}

std::string ErrorOf(const std::string& text, QuantityKind kind) {
  Result<double> r = ParseQuantity(text, kind);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? *r : 0);
  return r.ok() ? "" : r.status().message();
}

TEST(QuantityTest, PlainNumbersAreBaseUnits) {
  EXPECT_EQ(Parse("9408", QuantityKind::kBytes), 9408);
  EXPECT_EQ(Parse("300e6", QuantityKind::kMultsPerS), 300e6);
  EXPECT_EQ(Parse("256e6", QuantityKind::kBytes), 256e6);
  EXPECT_EQ(Parse("72.2e6", QuantityKind::kRateBps), 72.2e6);
  EXPECT_EQ(Parse("1.2e+6", QuantityKind::kMults), 1.2e6);
  EXPECT_EQ(Parse("  7.5 ", QuantityKind::kLengthM), 7.5);
  EXPECT_EQ(Parse("+3", QuantityKind::kLengthM), 3);
  EXPECT_EQ(Parse("-4.5", QuantityKind::kLengthM), -4.5);
  EXPECT_EQ(Parse(".5", QuantityKind::kDimensionless), 0.5);
  EXPECT_EQ(Parse("0", QuantityKind::kDimensionless), 0);
}

TEST(QuantityTest, Bytes) {
  EXPECT_EQ(Parse("512 KiB", QuantityKind::kBytes), 512 * 1024);
  EXPECT_EQ(Parse("512KiB", QuantityKind::kBytes), 512 * 1024);
  EXPECT_DOUBLE_EQ(Parse("1.2 MB", QuantityKind::kBytes), 1.2e6);
  EXPECT_EQ(Parse("19.2 kB", QuantityKind::kBytes), 19200);
  EXPECT_EQ(Parse("19.2 KB", QuantityKind::kBytes), 19200);  // K = 10^3 as well
  EXPECT_EQ(Parse("4 GiB", QuantityKind::kBytes), 4.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(Parse("1 GB", QuantityKind::kBytes), 1e9);
  EXPECT_EQ(Parse("3 MiB", QuantityKind::kBytes), 3.0 * 1024 * 1024);
  EXPECT_EQ(Parse("40 B", QuantityKind::kBytes), 40);
  EXPECT_EQ(Parse("40 bytes", QuantityKind::kBytes), 40);
}

TEST(QuantityTest, ByteCountRoundsAndChecksRange) {
  EXPECT_EQ(*ParseByteCount("1.5 KiB"), 1536);
  EXPECT_EQ(*ParseByteCount("1.2 MB"), 1200000);
  EXPECT_EQ(*ParseByteCount("9.41 kB"), 9410);
  EXPECT_FALSE(ParseByteCount("1e30").ok());
  EXPECT_FALSE(ParseByteCount("12 parsecs").ok());
}

TEST(QuantityTest, Multiplications) {
  EXPECT_DOUBLE_EQ(Parse("105.42 M", QuantityKind::kMults), 105.42e6);
  EXPECT_DOUBLE_EQ(Parse("3.81 Mmult", QuantityKind::kMults), 3.81e6);
  EXPECT_DOUBLE_EQ(Parse("2 k mults", QuantityKind::kMults), 2e3);
  EXPECT_DOUBLE_EQ(Parse("1 G", QuantityKind::kMults), 1e9);
  EXPECT_DOUBLE_EQ(Parse("7 mults", QuantityKind::kMults), 7);
}

TEST(QuantityTest, MultiplicationSpeeds) {
  EXPECT_DOUBLE_EQ(Parse("300 M", QuantityKind::kMultsPerS), 300e6);
  EXPECT_DOUBLE_EQ(Parse("300 M mult/s", QuantityKind::kMultsPerS), 300e6);
  EXPECT_DOUBLE_EQ(Parse("300 Mmults/s", QuantityKind::kMultsPerS), 300e6);
  EXPECT_DOUBLE_EQ(Parse("5 G/s", QuantityKind::kMultsPerS), 5e9);
  EXPECT_DOUBLE_EQ(Parse("40 mult/s", QuantityKind::kMultsPerS), 40);
}

TEST(QuantityTest, Rates) {
  EXPECT_DOUBLE_EQ(Parse("72.2 Mbit/s", QuantityKind::kRateBps), 72.2e6);
  EXPECT_DOUBLE_EQ(Parse("72.2 Mbps", QuantityKind::kRateBps), 72.2e6);
  EXPECT_DOUBLE_EQ(Parse("72.2 Mb/s", QuantityKind::kRateBps), 72.2e6);
  EXPECT_DOUBLE_EQ(Parse("7.2 M", QuantityKind::kRateBps), 7.2e6);
  EXPECT_DOUBLE_EQ(Parse("1 MB/s", QuantityKind::kRateBps), 8e6);
  EXPECT_DOUBLE_EQ(Parse("100 kbit/s", QuantityKind::kRateBps), 1e5);
  EXPECT_DOUBLE_EQ(Parse("9600 bit/s", QuantityKind::kRateBps), 9600);
}

TEST(QuantityTest, LengthsTimesAndPlainNumbers) {
  EXPECT_DOUBLE_EQ(Parse("7.5 m", QuantityKind::kLengthM), 7.5);
  EXPECT_DOUBLE_EQ(Parse("0.1 km", QuantityKind::kLengthM), 100);
  EXPECT_DOUBLE_EQ(Parse("250 cm", QuantityKind::kLengthM), 2.5);
  EXPECT_DOUBLE_EQ(Parse("15 mm", QuantityKind::kLengthM), 0.015);
  EXPECT_DOUBLE_EQ(Parse("15.9 ms", QuantityKind::kSeconds), 0.0159);
  EXPECT_DOUBLE_EQ(Parse("3 us", QuantityKind::kSeconds), 3e-6);
  EXPECT_DOUBLE_EQ(Parse("2 s", QuantityKind::kSeconds), 2);
  EXPECT_DOUBLE_EQ(Parse("99 %", QuantityKind::kDimensionless), 0.99);
}

TEST(QuantityTest, UnknownUnitNamesTheText) {
  const std::string e = ErrorOf("12 parsecs", QuantityKind::kLengthM);
  EXPECT_NE(e.find("'12 parsecs'"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown unit 'parsecs'"), std::string::npos) << e;
  EXPECT_NE(e.find("m, km"), std::string::npos) << e;
}

TEST(QuantityTest, WrongKindIsAnError) {
  std::string e = ErrorOf("5 m", QuantityKind::kBytes);
  EXPECT_NE(e.find("'5 m': 'm' is the unit of a length, but a size in bytes is expected"),
            std::string::npos)
      << e;
  e = ErrorOf("72.2 Mbit/s", QuantityKind::kMultsPerS);
  EXPECT_NE(e.find("data rate"), std::string::npos) << e;
  e = ErrorOf("512 KiB", QuantityKind::kMults);
  EXPECT_NE(e.find("size in bytes"), std::string::npos) << e;
  e = ErrorOf("300 M mult/s", QuantityKind::kMults);
  EXPECT_NE(e.find("speed"), std::string::npos) << e;
  e = ErrorOf("3 s", QuantityKind::kLengthM);
  EXPECT_NE(e.find("a time"), std::string::npos) << e;
}

TEST(QuantityTest, BitsAndBarePrefixesAreNotBytes) {
  std::string e = ErrorOf("512 kb", QuantityKind::kBytes);
  EXPECT_NE(e.find("write 'kB'"), std::string::npos) << e;
  e = ErrorOf("512 K", QuantityKind::kBytes);
  EXPECT_NE(e.find("needs the unit B"), std::string::npos) << e;
  e = ErrorOf("2 Ki", QuantityKind::kBytes);
  EXPECT_NE(e.find("'KiB'"), std::string::npos) << e;
  // Binary prefixes are for bytes only.
  ErrorOf("2 Mi", QuantityKind::kMults);
  ErrorOf("2 MiB/s", QuantityKind::kRateBps);
}

TEST(QuantityTest, MalformedNumbers) {
  for (const char* text : {"", "  ", "abc", "M", "--5", "+-5", "1.2.3 MB", "inf", "nan", ".inf",
                           "1e400", "0x10", "true", "5 5"}) {
    const std::string e = ErrorOf(text, QuantityKind::kBytes);
    EXPECT_FALSE(e.empty()) << text;
  }
  EXPECT_NE(ErrorOf("abc", QuantityKind::kBytes).find("'abc' is not a number"), std::string::npos);
}

}  // namespace
}  // namespace distcnn
