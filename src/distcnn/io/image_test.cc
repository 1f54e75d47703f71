// Images: decoding PNG/JPEG (fixtures written with stb_image_write) and PPM/PGM
// (hand-written), and the preprocessing: channels, bilinear resize with
// hand-computed values, ImageNet normalisation of a solid colour.
#include "distcnn/io/image.h"

#include <gtest/gtest.h>
#include <stb_image_write.h>
#include <unistd.h>

#include <filesystem>

#include "distcnn/io/file_bytes.h"

namespace distcnn::io {
namespace {

namespace fs = std::filesystem;

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("distcnn_image_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::string WritePng(const std::string& name, int w, int h, int comp,
                       const std::vector<unsigned char>& pixels) const {
    const std::string path = Path(name);
    EXPECT_TRUE(stbi_write_png(path.c_str(), w, h, comp, pixels.data(), w * comp));
    return path;
  }
  std::string WriteJpg(const std::string& name, int w, int h, int comp,
                       const std::vector<unsigned char>& pixels) const {
    const std::string path = Path(name);
    EXPECT_TRUE(stbi_write_jpg(path.c_str(), w, h, comp, pixels.data(), 100));
    return path;
  }

  fs::path dir_;
};

std::vector<unsigned char> Solid(int w, int h, std::vector<unsigned char> colour) {
  std::vector<unsigned char> out;
  for (int i = 0; i < w * h; ++i) out.insert(out.end(), colour.begin(), colour.end());
  return out;
}

TensorInfo Input(Shape shape) { return TensorInfo{"input", DataType::kFloat32, std::move(shape)}; }

// A 16-bit greyscale PNG built by hand (stb_image_write only writes 8 bits):
// IHDR, one IDAT holding a zlib stream of stored (uncompressed) deflate blocks,
// IEND, with real CRCs and Adler-32.
std::string Png16(int w, int h, const std::vector<uint16_t>& samples) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  auto crc32 = [](const std::string& s) {
    uint32_t c = 0xffffffffu;
    for (unsigned char b : s) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    return be32(static_cast<uint32_t>(data.size())) + type + data + be32(crc32(type + data));
  };
  std::string raw;  // filter byte 0 per row, big-endian samples
  for (int y = 0; y < h; ++y) {
    raw += '\0';
    for (int x = 0; x < w; ++x) {
      const uint16_t v = samples[static_cast<size_t>(y * w + x)];
      raw += static_cast<char>(v >> 8);
      raw += static_cast<char>(v & 0xff);
    }
  }
  std::string z = "\x78\x01";
  z += '\x01';  // final stored block (raw is far below 65535 bytes here)
  const uint16_t len = static_cast<uint16_t>(raw.size());
  z += static_cast<char>(len & 0xff);
  z += static_cast<char>(len >> 8);
  z += static_cast<char>(~len & 0xff);
  z += static_cast<char>((~len >> 8) & 0xff);
  z += raw;
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  z += be32((b << 16) | a);
  const std::string ihdr = be32(static_cast<uint32_t>(w)) + be32(static_cast<uint32_t>(h)) +
                           std::string("\x10\x00\x00\x00\x00", 5);  // 16-bit grey
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", z) +
         chunk("IEND", "");
}

TEST_F(ImageTest, PngGreyTwoByTwoResizedToFourByFour) {
  // [[0, 255], [51, 102]] / 255 = [[0, 1], [0.2, 0.4]].
  const std::string path = WritePng("g.png", 2, 2, 1, {0, 255, 51, 102});
  Result<Image> image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->format, "PNG");
  EXPECT_EQ(image->channels, 1);
  Result<Tensor> t = ImageToTensor(*image, Input({1, 1, 4, 4}));
  ASSERT_TRUE(t.ok()) << t.status().message();
  // Per axis, 2 -> 4 samples the source at -0.25, 0.25, 0.75, 1.25 (pixel
  // units): weights (1, 0), (.75, .25), (.25, .75), (0, 1). Rows 0 and 3 are the
  // resized source rows; rows 1 and 2 blend them .75/.25 and .25/.75.
  const std::vector<float> want = {0.00f, 0.25f, 0.75f, 1.00f,  //
                                   0.05f, 0.25f, 0.65f, 0.85f,  //
                                   0.15f, 0.25f, 0.45f, 0.55f,  //
                                   0.20f, 0.25f, 0.35f, 0.40f};
  ASSERT_EQ(t->data.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(t->data[i], want[i], 1e-6) << i;
}

TEST_F(ImageTest, SolidColourGivesExactlyTheNormalisedConstant) {
  const std::string path = WritePng("c.png", 7, 5, 3, Solid(7, 5, {255, 128, 0}));
  Result<Image> image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  const float rgb[3] = {1.0f, static_cast<float>(128 / 255.0), 0.0f};
  // [1,3,64,64]: an ImageNet-sized input, normalised with mean/std.
  Result<Tensor> big = ImageToTensor(*image, Input({1, 3, 64, 80}));
  ASSERT_TRUE(big.ok()) << big.status().message();
  ASSERT_TRUE(UsesImageNetNormalization({1, 3, 64, 80}));
  for (int c = 0; c < 3; ++c) {
    const float want = static_cast<float>((rgb[c] - kImageNetMean[c]) / kImageNetStd[c]);
    for (int p = 0; p < 64 * 80; ++p) {
      ASSERT_EQ(big->data[static_cast<size_t>(c * 64 * 80 + p)], want) << c << " " << p;
    }
  }
  // (1 - 0.485) / 0.229, the red channel, by hand.
  EXPECT_NEAR(big->data[0], 2.2489083f, 1e-6);
  // [1,3,32,32] and [1,3,64,63]: not ImageNet-sized, values stay in [0, 1].
  for (const Shape& s : {Shape{1, 3, 32, 32}, Shape{1, 3, 64, 63}}) {
    EXPECT_FALSE(UsesImageNetNormalization(s));
    Result<Tensor> small = ImageToTensor(*image, Input(s));
    ASSERT_TRUE(small.ok());
    const int64_t plane = s[2] * s[3];
    for (int c = 0; c < 3; ++c) {
      for (int64_t p = 0; p < plane; ++p) {
        ASSERT_EQ(small->data[static_cast<size_t>(c * plane + p)], rgb[c]) << c << " " << p;
      }
    }
  }
}

TEST_F(ImageTest, ChannelConversion) {
  // Colour into one channel: luminance 0.299 R + 0.587 G + 0.114 B.
  Result<Image> red = ReadImage(WritePng("r.png", 3, 3, 3, Solid(3, 3, {255, 0, 0})));
  ASSERT_TRUE(red.ok());
  Result<Tensor> y = ImageToTensor(*red, Input({1, 1, 8, 8}));
  ASSERT_TRUE(y.ok());
  for (float v : y->data) ASSERT_EQ(v, static_cast<float>(0.299));
  Result<Image> mix = ReadImage(WritePng("m.png", 1, 1, 3, {10, 200, 30}));
  ASSERT_TRUE(mix.ok());
  Result<Tensor> m = ImageToTensor(*mix, Input({1, 1, 1, 1}));
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->data[0], (0.299 * 10 + 0.587 * 200 + 0.114 * 30) / 255, 1e-6);
  // Grey into three channels: replicated; grey + alpha: alpha dropped.
  Result<Image> grey = ReadImage(WritePng("ga.png", 2, 1, 2, {100, 7, 200, 255}));
  ASSERT_TRUE(grey.ok());
  EXPECT_EQ(grey->channels, 1);
  Result<Tensor> g = ImageToTensor(*grey, Input({1, 3, 1, 2}));
  ASSERT_TRUE(g.ok());
  const float a = static_cast<float>(100 / 255.0), b = static_cast<float>(200 / 255.0);
  EXPECT_EQ(g->data, std::vector<float>({a, b, a, b, a, b}));
}

TEST_F(ImageTest, ResizeHandComputedDownscaleAndConstants) {
  // 4 -> 2 along x: the triangle widens to half-width 2. Output 0 is centred at
  // 1.0: source pixels 0, 1, 2 (centres .5, 1.5, 2.5) weigh .75, .75, .25
  // (pixel -1 is outside and dropped), normalised by 1.75.
  Image row{4, 1, 1, {0.0f, 1.0f, 0.0f, 1.0f}, "test"};
  const Image half = Resize(row, 2, 1);
  ASSERT_EQ(half.pixels.size(), 2u);
  EXPECT_NEAR(half.pixels[0], 0.75 / 1.75, 1e-7);
  EXPECT_NEAR(half.pixels[1], 1.0 / 1.75, 1e-7);
  // The same size is the identity.
  EXPECT_EQ(Resize(row, 4, 1).pixels, row.pixels);
  // A constant stays exactly constant, also for 300x200 -> 227x227 (the
  // downscale on which Debian's stb_image_resize 0.97 aborts, stb issue #1449).
  Image flat{300, 200, 3, std::vector<float>(300 * 200 * 3, 0.7f), "test"};
  const Image out = Resize(flat, 227, 227);
  ASSERT_EQ(out.pixels.size(), 227u * 227u * 3u);
  for (float v : out.pixels) ASSERT_EQ(v, 0.7f);
}

TEST_F(ImageTest, JpegSolidColourWithinQuantisation) {
  const std::string path = WriteJpg("c.jpg", 16, 16, 3, Solid(16, 16, {200, 100, 50}));
  Result<Image> image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->format, "JPEG");
  ASSERT_EQ(image->channels, 3);
  ASSERT_EQ(image->pixels.size(), 16u * 16u * 3u);
  const float want[3] = {200 / 255.0f, 100 / 255.0f, 50 / 255.0f};
  for (size_t i = 0; i < image->pixels.size(); ++i) {
    ASSERT_NEAR(image->pixels[i], want[i % 3], 3 / 255.0) << i;
  }
}

TEST_F(ImageTest, Png16Bit) {
  Result<Image> image = DecodeImage(Png16(2, 1, {0x1234, 0xffff}), "p16.png");
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->channels, 1);
  EXPECT_EQ(image->pixels, std::vector<float>({static_cast<float>(0x1234 / 65535.0), 1.0f}));
}

TEST_F(ImageTest, PpmAndPgmBinaryAndAscii) {
  // P6, 2x1, maxval 255.
  Result<Image> p6 =
      DecodeImage(std::string("P6\n2 1\n255\n\xff\x00\x33\x00\x80\xff", 17), "a.ppm");
  ASSERT_TRUE(p6.ok()) << p6.status().message();
  EXPECT_EQ(p6->format, "PPM");
  EXPECT_EQ(p6->channels, 3);
  EXPECT_EQ(p6->pixels, std::vector<float>({1.0f, 0.0f, static_cast<float>(51 / 255.0), 0.0f,
                                            static_cast<float>(128 / 255.0), 1.0f}));
  // P5, 16-bit big-endian samples with maxval 1000, a comment in the header.
  Result<Image> p5 = DecodeImage(std::string("P5 # grey\n2 1 1000 \x01\xf4\x03\xe8", 23), "b.pgm");
  ASSERT_TRUE(p5.ok()) << p5.status().message();
  EXPECT_EQ(p5->format, "PGM");
  EXPECT_EQ(p5->pixels, std::vector<float>({0.5f, 1.0f}));
  // P3 and P2 (ASCII), maxval 15.
  Result<Image> p3 = DecodeImage("P3\n# c\n1 1\n15\n15 0 3\n", "c.ppm");
  ASSERT_TRUE(p3.ok()) << p3.status().message();
  EXPECT_EQ(p3->pixels, std::vector<float>({1.0f, 0.0f, 0.2f}));
  Result<Image> p2 = DecodeImage("P2 3 1 4\n0 1 4", "d.pgm");
  ASSERT_TRUE(p2.ok()) << p2.status().message();
  EXPECT_EQ(p2->pixels, std::vector<float>({0.0f, 0.25f, 1.0f}));
}

std::string DecodeError(const std::string& bytes, const std::string& name) {
  Result<Image> image = DecodeImage(bytes, name);
  return image.ok() ? "" : image.status().message();
}

TEST_F(ImageTest, MalformedImagesGiveNamedErrors) {
  EXPECT_EQ(DecodeError(std::string("P6\n2 1\n255\n\xff\x00\x33", 14), "a.ppm"),
            "a.ppm: PPM: raster: truncated: 2x1 needs 6 bytes, the file holds 3");
  EXPECT_EQ(DecodeError("P2 2 1 10\n3 11", "b.pgm"),
            "b.pgm: PGM: raster: sample 1 is 11, above maxval 10");
  EXPECT_EQ(DecodeError("P2 2 1 10\n3", "b.pgm"), "b.pgm: PGM: raster: truncated: 1 of 2 samples");
  EXPECT_EQ(DecodeError("P5 2 1 0\n\x00\x00", "c.pgm"),
            "c.pgm: PGM: header: maxval 0 is outside 1..65535");
  EXPECT_EQ(DecodeError("P5 2 x 255\n", "c.pgm"),
            "c.pgm: PGM: header: height: expected a decimal number");
  EXPECT_EQ(DecodeError("P4\n1 1\n\x80", "d.pbm"),
            "d.pbm: PPM/PGM: header: PBM bitmaps (P1, P4) are not supported");
  EXPECT_EQ(DecodeError("P6 70000 70000 255\n", "e.ppm"),
            "e.ppm: image is 70000x70000 pixels; distcnn reads up to 268435456 pixels");
  const std::string corrupt = std::string("\x89PNG\r\n\x1a\n", 8) + "garbage, not chunks";
  EXPECT_EQ(DecodeError(corrupt, "f.png").rfind("f.png: cannot decode PNG: ", 0), 0u)
      << DecodeError(corrupt, "f.png");
  EXPECT_EQ(DecodeError(std::string("\xff\xd8\xff\xe0 truncated", 14), "g.jpg")
                .rfind("g.jpg: cannot decode JPEG: ", 0),
            0u);
  EXPECT_EQ(DecodeError("GIF89a...", "h.gif"),
            "h.gif: unknown image format; distcnn reads PNG, JPEG, PPM/PGM");
}

// Regression (fuzz_image): a DHT segment whose 16 code counts sum to more than
// 256 made stb_image 2.27 write past its Huffman arrays (heap corruption under
// ASan); it is refused before stb sees it. The same JPEG with sane tables decodes.
TEST_F(ImageTest, JpegHuffmanTableWithTooManyCodesIsRefused) {
  std::string jpeg;
  const std::vector<unsigned char> pixels = Solid(8, 8, {10, 120, 230});
  ASSERT_TRUE(stbi_write_jpg_to_func(
      [](void* out, void* data, int size) {
        static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
      },
      &jpeg, 8, 8, 3, pixels.data(), 90));
  ASSERT_TRUE(DecodeImage(jpeg, "ok.jpg").ok());
  const size_t dht = jpeg.find("\xff\xc4");
  ASSERT_NE(dht, std::string::npos);
  // Marker, length (2 bytes), table class/id, then the 16 counts: all 255.
  for (size_t k = 0; k < 16; ++k) jpeg[dht + 5 + k] = static_cast<char>(0xff);
  EXPECT_EQ(DecodeError(jpeg, "bad.jpg"),
            "bad.jpg: cannot decode JPEG: a Huffman table has 4080 codes (at most 256)");
  // The input the fuzzer found (fuzz/corpus/image/regress-jpeg-dht-codes.jpg).
  // Tests run from the repository root.
  Result<std::string> found = ReadFileBytes("fuzz/corpus/image/regress-jpeg-dht-codes.jpg");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(DecodeError(*found, "found.jpg"),
            "found.jpg: cannot decode JPEG: a Huffman table has 4080 codes (at most 256)");
}

TEST_F(ImageTest, ImageNeedsAnImageShapedInput) {
  Image image{1, 1, 1, {0.5f}, "test"};
  for (const Shape& s : {Shape{1, 10}, Shape{2, 3, 8, 8}, Shape{1, 4, 8, 8}, Shape{1, 3, 0, 8}}) {
    Result<Tensor> t = ImageToTensor(image, Input(s));
    ASSERT_FALSE(t.ok()) << ShapeString(s);
    EXPECT_EQ(t.status().message(),
              "an image can feed a model input of shape [1,C,H,W] with C = 1 or 3; input "
              "'input' is " +
                  ShapeString(s));
  }
}

}  // namespace
}  // namespace distcnn::io
