// .npy: round trips, hand-written files of every dtype we read, and the named
// errors for malformed headers and data.
#include "distcnn/io/npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "distcnn/io/file_bytes.h"

namespace distcnn::io {
namespace {

namespace fs = std::filesystem;

// A scratch directory per test, removed afterwards.
class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("distcnn_npy_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// An .npy file from its parts: version, header dict text (padded with spaces and
// '\n' to a multiple of 64 bytes as numpy does) and raw data bytes.
std::string MakeNpy(int major, const std::string& dict, const std::string& data) {
  const size_t preamble = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < preamble - 8; ++i) {
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  return out + header + data;
}

template <typename T>
std::string LeBytes(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // the test host is little-endian (checked below)
    out.append(b, sizeof(T));
  }
  return out;
}

static_assert(std::endian::native == std::endian::little, "hand-written fixtures assume LE");

std::string Dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

TEST_F(NpyTest, RoundTripIsBitExact) {
  const std::vector<Tensor> tensors = {
      Tensor({2, 3, 4}),
      Tensor({5}, {1.5f, -0.0f, std::numeric_limits<float>::infinity(),
                   std::numeric_limits<float>::denorm_min(), 3.4e38f}),
      Tensor(Shape{}, {42.0f}),  // a 0-d array
      Tensor({0, 3}),
      Tensor({1, 1, 32, 32}),
  };
  int index = 0;
  for (Tensor t : tensors) {
    for (size_t i = 0; i < t.data.size() && t.shape.size() != 1; ++i) {
      t.data[i] = static_cast<float>(i) * 0.37f - 3.0f;
    }
    const std::string path = Path("t" + std::to_string(index++) + ".npy");
    ASSERT_TRUE(WriteNpy(path, t).ok());
    Result<Tensor> back = ReadNpy(path);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->shape, t.shape) << path;
    ASSERT_EQ(back->data.size(), t.data.size());
    EXPECT_EQ(std::memcmp(back->data.data(), t.data.data(), 4 * t.data.size()), 0) << path;
  }
}

TEST_F(NpyTest, WrittenHeaderIsNumpyFormat) {
  Result<std::string> bytes = EncodeNpy(Tensor({2, 3}));
  ASSERT_TRUE(bytes.ok());
  ASSERT_GE(bytes->size(), 10u);
  EXPECT_EQ(bytes->substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len =
      static_cast<unsigned char>((*bytes)[8]) | (static_cast<unsigned char>((*bytes)[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  const std::string header = bytes->substr(10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes->size(), 10 + header_len + 6 * 4);
  // One-dimensional shapes keep Python's trailing comma.
  Result<std::string> one_d = EncodeNpy(Tensor({7}));
  ASSERT_TRUE(one_d.ok());
  EXPECT_NE(one_d->find("'shape': (7,), }"), std::string::npos);
}

TEST_F(NpyTest, ReadsEveryDtypeAndVersion) {
  struct Case {
    std::string descr;
    std::string data;
    std::vector<float> want;
  };
  const std::vector<Case> cases = {
      {"<f4", LeBytes<float>({1.25f, -2.0f, 0.0f}), {1.25f, -2.0f, 0.0f}},
      {"<f8",
       LeBytes<double>({0.1, -1e300, 7.0}),
       {static_cast<float>(0.1), -std::numeric_limits<float>::infinity(), 7.0f}},
      {"<i8", LeBytes<int64_t>({-3, 0, int64_t{1} << 40}), {-3.0f, 0.0f, 1099511627776.0f}},
      {"|u1", std::string("\x00\x80\xff", 3), {0.0f, 128.0f, 255.0f}},
  };
  for (const Case& c : cases) {
    for (int major : {1, 2, 3}) {
      const std::string bytes = MakeNpy(major, Dict(c.descr, "(3,)"), c.data);
      Result<NpyArray> a = DecodeNpy(bytes, "x.npy");
      ASSERT_TRUE(a.ok()) << c.descr << " v" << major << ": " << a.status().message();
      EXPECT_EQ(a->dtype, c.descr);
      EXPECT_EQ(a->tensor.shape, Shape({3}));
      EXPECT_EQ(a->tensor.data, c.want) << c.descr << " v" << major;
    }
  }
  // Key order, double quotes, no trailing comma, Python 2 longs.
  Result<NpyArray> a =
      DecodeNpy(MakeNpy(1, "{\"shape\": (1L, 2L), \"fortran_order\": False, \"descr\": \"<f4\"}",
                        LeBytes<float>({3.0f, 4.0f})),
                "x.npy");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->tensor.shape, Shape({1, 2}));
  EXPECT_EQ(a->tensor.data, std::vector<float>({3.0f, 4.0f}));
}

// The message of decoding `bytes` as "x.npy"; empty if it decodes.
std::string ErrorOf(const std::string& bytes) {
  Result<NpyArray> a = DecodeNpy(bytes, "x.npy");
  return a.ok() ? "" : a.status().message();
}

TEST_F(NpyTest, MalformedFilesGiveNamedErrors) {
  const std::string f4x2 = LeBytes<float>({1.0f, 2.0f});
  const std::string good = MakeNpy(1, Dict("<f4", "(2,)"), f4x2);
  ASSERT_EQ(ErrorOf(good), "");

  EXPECT_EQ(ErrorOf(good.substr(0, 5)),
            "x.npy: truncated: 5 bytes, shorter than the .npy preamble");
  EXPECT_EQ(ErrorOf("PK\x03\x04 not numpy at all"),
            "x.npy: not an .npy file: magic is 'PK\\x03\\x04 n', expected '\\x93NUMPY'");
  EXPECT_EQ(ErrorOf("abc"), "x.npy: not an .npy file: magic is 'abc', expected '\\x93NUMPY'");
  EXPECT_EQ(ErrorOf(""), "x.npy: truncated: 0 bytes, shorter than the .npy preamble");
  // The header announces more bytes than the file holds.
  EXPECT_EQ(ErrorOf(good.substr(0, 40)),
            "x.npy: header: truncated: the preamble announces 118 bytes, the file holds 30");
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict(">f4", "(2,)"), f4x2)),
            "x.npy: header: dtype '>f4' is big-endian; distcnn reads little-endian");
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict("<i4", "(2,)"), f4x2)),
            "x.npy: header: dtype '<i4' is not supported; distcnn reads <f4, <f8, <i8 and |u1");
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict("<f4", "(2,)", /*fortran=*/true), f4x2)),
            "x.npy: header: fortran_order is True; distcnn reads C-order arrays only (save "
            "np.ascontiguousarray(a))");
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict("<f4", "(3,)"), f4x2)),
            "x.npy: data: shape (3,) of <f4 needs 12 bytes, the file holds 8");
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict("<f4", "(1,)"), f4x2)),
            "x.npy: data: shape (1,) of <f4 needs 4 bytes, the file holds 8");
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict("<f4", "(4294967296, 4294967296)"), f4x2)),
            "x.npy: header: shape (4294967296, 4294967296) is too large");
  // Regression (fuzz_npy): a prefix above int64_t but within uint64_t, then a
  // 0, once passed as an empty array and overflowed NumElements downstream.
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict("|u1", "(10000000000, 1000000000, 0)"), "")),
            "x.npy: header: shape (10000000000, 1000000000, 0) is too large");
  EXPECT_EQ(ErrorOf(MakeNpy(1, Dict("|u1", "(0, 5)"), "")), "");  // a real empty array
  std::string v4 = good;
  v4[6] = 4;
  EXPECT_EQ(ErrorOf(v4),
            "x.npy: format version 4.0 is not supported; distcnn reads 1.0, 2.0 and 3.0");
  EXPECT_EQ(ErrorOf(MakeNpy(1, "{'descr': '<f4', 'shape': (2,), }", f4x2)),
            "x.npy: header: missing key 'fortran_order'");
  EXPECT_NE(ErrorOf(MakeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) 'x'}", f4x2))
                .find("x.npy: header: expected ',' or '}' after the value of 'shape'"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(MakeNpy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", f4x2))
          .find("x.npy: header: descr is a structured dtype"),
      std::string::npos);
}

TEST_F(NpyTest, FileErrorsNameThePath) {
  Result<Tensor> missing = ReadNpy(Path("nope.npy"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_EQ(missing.status().message(),
            Path("nope.npy") + ": cannot open: No such file or directory");
  const Status s = WriteNpy(Path("no/such/dir/y.npy"), Tensor({1}));
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(Path("no/such/dir/y.npy") + ": cannot open for writing"),
            std::string::npos);
  Tensor bad({2, 2});
  bad.data.pop_back();
  const Status b = WriteNpy(Path("bad.npy"), bad);
  EXPECT_EQ(b.message(), Path("bad.npy") + ": tensor of shape [2,2] holds 3 values");
}

TEST(NpyFileNamesTest, SanitisesAndDeduplicates) {
  EXPECT_EQ(NpyFileNames({"logits", "gc/fc3:0", "", ".hidden", "a b", "a_b", "a_b_2", "a b"}),
            std::vector<std::string>({"logits.npy", "gc_fc3_0.npy", "output.npy", "_hidden.npy",
                                      "a_b.npy", "a_b_2.npy", "a_b_2_2.npy", "a_b_3.npy"}));
  EXPECT_EQ(NpyFileNames({"../../etc/passwd"}), std::vector<std::string>({"_._.._etc_passwd.npy"}));
}

}  // namespace
}  // namespace distcnn::io
