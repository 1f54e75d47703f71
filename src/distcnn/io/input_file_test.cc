// LoadInputTensor: dispatch on magic bytes, .npy shape rules, errors naming the file.
#include "distcnn/io/input_file.h"

#include <gtest/gtest.h>
#include <stb_image_write.h>
#include <unistd.h>

#include <filesystem>

#include "distcnn/io/file_bytes.h"
#include "distcnn/io/file_format.h"
#include "distcnn/io/npy.h"

namespace distcnn::io {
namespace {

namespace fs = std::filesystem;

class InputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("distcnn_input_file_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

const TensorInfo kLenetInput{"input", DataType::kFloat32, {1, 1, 4, 4}};

Tensor Counting(Shape shape) {
  Tensor t(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(i) / 16;
  return t;
}

TEST_F(InputFileTest, DetectsFormatsByMagic) {
  EXPECT_EQ(DetectFileFormat(std::string("\x93NUMPY\x01\x00", 8)), FileFormat::kNpy);
  EXPECT_EQ(DetectFileFormat(std::string("\x89PNG\r\n\x1a\n....", 12)), FileFormat::kPng);
  EXPECT_EQ(DetectFileFormat("\xff\xd8\xff\xe0"), FileFormat::kJpeg);
  EXPECT_EQ(DetectFileFormat("P6\n1 1\n255\n"), FileFormat::kPnm);
  EXPECT_EQ(DetectFileFormat("P5 1 1 255 "), FileFormat::kPnm);
  EXPECT_EQ(DetectFileFormat("P6"), FileFormat::kUnknown);
  EXPECT_EQ(DetectFileFormat("Plain text"), FileFormat::kUnknown);
  EXPECT_EQ(DetectFileFormat("\x89PN"), FileFormat::kUnknown);
}

TEST_F(InputFileTest, NpyExactShapeOrWithoutLeadingOne) {
  const Tensor t = Counting({1, 1, 4, 4});
  ASSERT_TRUE(WriteNpy(Path("full.npy"), t).ok());
  std::string description;
  Result<Tensor> full = LoadInputTensor(Path("full.npy"), kLenetInput, &description);
  ASSERT_TRUE(full.ok()) << full.status().message();
  EXPECT_EQ(full->shape, kLenetInput.shape);
  EXPECT_EQ(full->data, t.data);
  EXPECT_EQ(description, Path("full.npy") + " (npy <f4 [1,1,4,4])");

  ASSERT_TRUE(WriteNpy(Path("chw.npy"), Counting({1, 4, 4})).ok());
  Result<Tensor> chw = LoadInputTensor(Path("chw.npy"), kLenetInput, &description);
  ASSERT_TRUE(chw.ok()) << chw.status().message();
  EXPECT_EQ(chw->shape, kLenetInput.shape);
  EXPECT_EQ(chw->data, t.data);
  EXPECT_EQ(description, Path("chw.npy") + " (npy <f4 [1,4,4] as [1,1,4,4])");

  for (const Shape& wrong : {Shape{4, 4}, Shape{1, 4, 4, 1}, Shape{16}, Shape{2, 1, 4, 4}}) {
    ASSERT_TRUE(WriteNpy(Path("wrong.npy"), Counting(wrong)).ok());
    Result<Tensor> r = LoadInputTensor(Path("wrong.npy"), kLenetInput);
    ASSERT_FALSE(r.ok()) << ShapeString(wrong);
    EXPECT_EQ(r.status().message(), Path("wrong.npy") + ": shape " + ShapeString(wrong) +
                                        " does not match model input 'input' [1,1,4,4] "
                                        "(expected [1,1,4,4] or [1,4,4])");
  }
}

TEST_F(InputFileTest, MagicBytesWinOverTheExtension) {
  // A PNG named .npy and an .npy named .png.
  const std::vector<unsigned char> grey(16, 51);
  ASSERT_TRUE(stbi_write_png(Path("image.npy").c_str(), 4, 4, 1, grey.data(), 4));
  std::string description;
  Result<Tensor> image = LoadInputTensor(Path("image.npy"), kLenetInput, &description);
  ASSERT_TRUE(image.ok()) << image.status().message();
  for (float v : image->data) EXPECT_EQ(v, 0.2f);
  EXPECT_EQ(description, Path("image.npy") + " (PNG 4x4 grey -> [1,1,4,4], [0,1])");

  ASSERT_TRUE(WriteNpy(Path("array.png"), Counting({1, 1, 4, 4})).ok());
  Result<Tensor> array = LoadInputTensor(Path("array.png"), kLenetInput);
  ASSERT_TRUE(array.ok()) << array.status().message();
  EXPECT_EQ(array->data, Counting({1, 1, 4, 4}).data);
}

TEST_F(InputFileTest, ImageDescriptionMentionsNormalisation) {
  const std::vector<unsigned char> rgb(3 * 8 * 6, 200);
  ASSERT_TRUE(stbi_write_png(Path("photo.png").c_str(), 8, 6, 3, rgb.data(), 24));
  std::string description;
  const TensorInfo imagenet{"data", DataType::kFloat32, {1, 3, 224, 224}};
  Result<Tensor> t = LoadInputTensor(Path("photo.png"), imagenet, &description);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(description, Path("photo.png") + " (PNG 8x6 RGB -> [1,3,224,224], ImageNet mean/std)");
}

TEST_F(InputFileTest, ErrorsNameTheFile) {
  ASSERT_TRUE(WriteFileBytes(Path("notes.txt"), "<html>hello</html>").ok());
  Result<Tensor> text = LoadInputTensor(Path("notes.txt"), kLenetInput);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(),
            Path("notes.txt") +
                ": unknown file format (first bytes 3c 68 74 6d 6c 3e 68 65); distcnn reads "
                "NumPy .npy, PNG, JPEG, PPM/PGM (binary P6/P5 or ASCII P3/P2)");

  ASSERT_TRUE(WriteFileBytes(Path("empty.png"), "").ok());
  Result<Tensor> empty = LoadInputTensor(Path("empty.png"), kLenetInput);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message().rfind(Path("empty.png") + ": file is empty", 0), 0u);

  Result<Tensor> missing = LoadInputTensor(Path("missing.png"), kLenetInput);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_EQ(missing.status().message().rfind(Path("missing.png") + ": cannot open", 0), 0u);

  // An image for a model whose input is not image-shaped.
  ASSERT_TRUE(WriteFileBytes(Path("g.pgm"), "P2 1 1 255 7").ok());
  Result<Tensor> flat =
      LoadInputTensor(Path("g.pgm"), TensorInfo{"x", DataType::kFloat32, {1, 10}});
  ASSERT_FALSE(flat.ok());
  EXPECT_EQ(flat.status().message(),
            Path("g.pgm") +
                ": an image can feed a model input of shape [1,C,H,W] with C = 1 or 3; input 'x' "
                "is [1,10]");

  // Decoder errors keep the path.
  ASSERT_TRUE(WriteFileBytes(Path("bad.npy"), std::string("\x93NUMPY\x01\x00\x40\x00{", 11)).ok());
  Result<Tensor> bad = LoadInputTensor(Path("bad.npy"), kLenetInput);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind(Path("bad.npy") + ": header: truncated", 0), 0u)
      << bad.status().message();
}

}  // namespace
}  // namespace distcnn::io
