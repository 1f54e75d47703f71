#include "distcnn/io/input_file.h"

#include <algorithm>
#include <cstdio>

#include "distcnn/io/file_bytes.h"
#include "distcnn/io/file_format.h"
#include "distcnn/io/image.h"
#include "distcnn/io/npy.h"

namespace distcnn::io {
namespace {

std::string FirstBytesHex(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%s%02x", i ? " " : "", static_cast<unsigned char>(bytes[i]));
    out += hex;
  }
  return out;
}

Result<Tensor> FromNpy(std::string_view bytes, const std::string& path, const TensorInfo& input,
                       std::string* description) {
  ASSIGN_OR_RETURN(NpyArray array, DecodeNpy(bytes, path));
  const Shape& want = input.shape;
  const Shape& got = array.tensor.shape;
  const bool exact = got == want;
  const bool without_batch =
      !want.empty() && want[0] == 1 && got == Shape(want.begin() + 1, want.end());
  if (!exact && !without_batch) {
    std::string accepted = ShapeString(want);
    if (!want.empty() && want[0] == 1) {
      accepted += " or " + ShapeString(Shape(want.begin() + 1, want.end()));
    }
    return InvalidArgument(path + ": shape " + ShapeString(got) + " does not match model input '" +
                           input.name + "' " + ShapeString(want) + " (expected " + accepted + ")");
  }
  if (description) {
    *description = path + " (npy " + array.dtype + " " + ShapeString(got) +
                   (exact ? "" : " as " + ShapeString(want)) + ")";
  }
  array.tensor.shape = want;
  return std::move(array.tensor);
}

Result<Tensor> FromImage(std::string_view bytes, const std::string& path, const TensorInfo& input,
                         std::string* description) {
  ASSIGN_OR_RETURN(Image image, DecodeImage(bytes, path));
  Result<Tensor> tensor = ImageToTensor(image, input);
  if (!tensor.ok()) return tensor.status().WithContext(path);
  if (description) {
    *description = path + " (" + image.format + " " + std::to_string(image.width) + "x" +
                   std::to_string(image.height) + (image.channels == 3 ? " RGB" : " grey") +
                   " -> " + ShapeString(input.shape) +
                   (UsesImageNetNormalization(input.shape) ? ", ImageNet mean/std)" : ", [0,1])");
  }
  return tensor;
}

}  // namespace

Result<Tensor> LoadInputTensor(const std::string& path, const TensorInfo& input,
                               std::string* description) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  if (bytes.empty()) {
    return InvalidArgument(path + ": file is empty; distcnn reads " +
                           std::string(kSupportedInputFormats));
  }
  switch (DetectFileFormat(bytes)) {
    case FileFormat::kNpy:
      return FromNpy(bytes, path, input, description);
    case FileFormat::kPng:
    case FileFormat::kJpeg:
    case FileFormat::kPnm:
      return FromImage(bytes, path, input, description);
    case FileFormat::kUnknown:
      break;
  }
  return InvalidArgument(path + ": unknown file format (first bytes " + FirstBytesHex(bytes) +
                         "); distcnn reads " + kSupportedInputFormats);
}

}  // namespace distcnn::io
