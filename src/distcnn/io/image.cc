#include "distcnn/io/image.h"

#include <stb_image.h>  // declarations only; the implementation is in stb_impl.cc

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>

#include "distcnn/io/file_bytes.h"
#include "distcnn/io/file_format.h"

namespace distcnn::io {
namespace {

Status TooLarge(const std::string& name, int64_t width, int64_t height) {
  return InvalidArgument(name + ": image is " + std::to_string(width) + "x" +
                         std::to_string(height) + " pixels; distcnn reads up to " +
                         std::to_string(kMaxImagePixels) + " pixels");
}

// stb_image 2.27 (Debian 12) builds each JPEG Huffman table into fixed arrays of
// 257 code sizes and 256 values without checking the counts of a DHT segment:
// counts summing to more than 256 write past them (heap corruption, found by
// fuzz_image). Walks the marker segments as stb reads them (entropy-coded data
// byte by byte, 0xFF00 stuffing and RSTn skipped) and refuses such a table
// before stb sees the file. Bytes past the end read as 0, as stbi__get8 does.
Status CheckJpegHuffmanTables(std::string_view bytes, const std::string& name) {
  const auto at = [&](size_t i) -> int {
    return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0;
  };
  size_t i = 2;  // after SOI
  while (i + 1 < bytes.size()) {
    const int marker = at(i + 1);
    if (at(i) != 0xFF || marker == 0xFF) {  // entropy-coded data, fill bytes
      ++i;
      continue;
    }
    if (marker == 0xD9) break;  // EOI
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      i += 2;  // stuffed 0xFF, TEM, RSTn, SOI: no length
      continue;
    }
    const size_t length = static_cast<size_t>(at(i + 2) << 8 | at(i + 3));
    if (marker == 0xC4) {  // DHT: tables of 1 + 16 count bytes + their values
      int64_t left = static_cast<int64_t>(length) - 2;
      size_t p = i + 4;
      while (left > 0 && p < bytes.size()) {
        int codes = 0;
        for (size_t k = 1; k <= 16; ++k) codes += at(p + k);
        if (codes > 256) {
          return InvalidArgument(name + ": cannot decode JPEG: a Huffman table has " +
                                 std::to_string(codes) + " codes (at most 256)");
        }
        p += 17 + static_cast<size_t>(codes);
        left -= 17 + codes;
      }
    }
    i += 2 + length;
  }
  return Status::Ok();
}

// PNG and JPEG through stb_image (the only code that sees it).
Result<Image> DecodeWithStb(std::string_view bytes, const std::string& name, const char* format) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgument(name + ": " + format + " file too large (" +
                           std::to_string(bytes.size()) + " bytes)");
  }
  if (std::string_view(format) == "JPEG") RETURN_IF_ERROR(CheckJpegHuffmanTables(bytes, name));
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int width = 0, height = 0, components = 0;
  // Read the dimensions first so that an oversized image is refused before allocating.
  if (stbi_info_from_memory(data, len, &width, &height, &components) &&
      static_cast<int64_t>(width) * height > kMaxImagePixels) {
    return TooLarge(name, width, height);
  }
  const bool sixteen_bit = stbi_is_16_bit_from_memory(data, len);
  // Grey (+ alpha) stays grey, colour (+ alpha) becomes RGB: alpha is dropped.
  const int wanted = components == 1 || components == 2 ? 1 : 3;
  Image image;
  image.format = format;
  if (sixteen_bit) {
    std::unique_ptr<stbi_us, void (*)(void*)> pixels(
        stbi_load_16_from_memory(data, len, &width, &height, &components, wanted),
        &stbi_image_free);
    if (!pixels) {
      return InvalidArgument(name + ": cannot decode " + format + ": " + stbi_failure_reason());
    }
    image.pixels.resize(static_cast<size_t>(width) * height * wanted);
    for (size_t i = 0; i < image.pixels.size(); ++i) {
      image.pixels[i] = static_cast<float>(pixels.get()[i] / 65535.0);
    }
  } else {
    std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load_from_memory(data, len, &width, &height, &components, wanted), &stbi_image_free);
    if (!pixels) {
      return InvalidArgument(name + ": cannot decode " + format + ": " + stbi_failure_reason());
    }
    image.pixels.resize(static_cast<size_t>(width) * height * wanted);
    for (size_t i = 0; i < image.pixels.size(); ++i) {
      image.pixels[i] = static_cast<float>(pixels.get()[i] / 255.0);
    }
  }
  image.width = width;
  image.height = height;
  image.channels = wanted;
  return image;
}

// Netpbm P2, P3, P5, P6 (https://netpbm.sourceforge.net/doc/ppm.html).
class PnmReader {
 public:
  PnmReader(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  Result<Image> Read() {
    const char kind = bytes_[1];
    if (kind == '1' || kind == '4') return Error("header: PBM bitmaps (P1, P4) are not supported");
    if (kind == '7') return Error("header: PAM (P7) is not supported");
    const bool ascii = kind == '2' || kind == '3';
    Image image;
    image.channels = kind == '3' || kind == '6' ? 3 : 1;
    image.format = image.channels == 3 ? "PPM" : "PGM";
    format_ = image.format;
    pos_ = 2;
    ASSIGN_OR_RETURN(image.width, HeaderNumber("width"));
    ASSIGN_OR_RETURN(image.height, HeaderNumber("height"));
    ASSIGN_OR_RETURN(const int64_t maxval, HeaderNumber("maxval"));
    if (image.width < 1 || image.height < 1) {
      return Error("header: size " + std::to_string(image.width) + "x" +
                   std::to_string(image.height) + " is empty");
    }
    if (image.width > kMaxImagePixels || image.height > kMaxImagePixels ||
        image.width * image.height > kMaxImagePixels) {
      return TooLarge(name_, image.width, image.height);
    }
    if (maxval < 1 || maxval > 65535) {
      return Error("header: maxval " + std::to_string(maxval) + " is outside 1..65535");
    }
    const size_t samples = static_cast<size_t>(image.width * image.height * image.channels);
    image.pixels.resize(samples);
    if (ascii) {
      for (size_t i = 0; i < samples; ++i) {
        SkipSpaceAndComments();
        if (pos_ >= bytes_.size()) {
          return Error("raster: truncated: " + std::to_string(i) + " of " +
                       std::to_string(samples) + " samples");
        }
        ASSIGN_OR_RETURN(const int64_t v, Number("raster: sample " + std::to_string(i)));
        RETURN_IF_ERROR(Store(&image, i, v, maxval));
      }
      return image;
    }
    // Exactly one whitespace character separates maxval from the binary raster.
    if (pos_ >= bytes_.size() || !IsSpace(bytes_[pos_])) {
      return Error("header: expected whitespace after maxval");
    }
    ++pos_;
    const size_t bytes_per_sample = maxval < 256 ? 1 : 2;
    const size_t needed = samples * bytes_per_sample;
    if (bytes_.size() - pos_ < needed) {
      return Error("raster: truncated: " + std::to_string(image.width) + "x" +
                   std::to_string(image.height) + " needs " + std::to_string(needed) +
                   " bytes, the file holds " + std::to_string(bytes_.size() - pos_));
    }
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + pos_);
    for (size_t i = 0; i < samples; ++i) {
      const int64_t v = bytes_per_sample == 1 ? p[i] : (p[2 * i] << 8) | p[2 * i + 1];
      RETURN_IF_ERROR(Store(&image, i, v, maxval));
    }
    return image;
  }

 private:
  static bool IsSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  }
  Status Error(const std::string& what) const {
    return InvalidArgument(name_ + ": " + format_ + ": " + what);
  }
  void SkipSpaceAndComments() {
    while (pos_ < bytes_.size()) {
      if (IsSpace(bytes_[pos_])) {
        ++pos_;
      } else if (bytes_[pos_] == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }
  Result<int64_t> Number(const std::string& what) {
    if (pos_ >= bytes_.size() || bytes_[pos_] < '0' || bytes_[pos_] > '9') {
      return Error(what + ": expected a decimal number");
    }
    int64_t v = 0;
    while (pos_ < bytes_.size() && bytes_[pos_] >= '0' && bytes_[pos_] <= '9') {
      v = v * 10 + (bytes_[pos_++] - '0');
      if (v > (int64_t{1} << 40)) return Error(what + ": number too large");
    }
    return v;
  }
  Result<int64_t> HeaderNumber(const std::string& what) {
    SkipSpaceAndComments();
    return Number("header: " + what);
  }
  Status Store(Image* image, size_t i, int64_t v, int64_t maxval) const {
    if (v > maxval) {
      return Error("raster: sample " + std::to_string(i) + " is " + std::to_string(v) +
                   ", above maxval " + std::to_string(maxval));
    }
    image->pixels[i] = static_cast<float>(static_cast<double>(v) / static_cast<double>(maxval));
    return Status::Ok();
  }

  std::string_view bytes_;
  const std::string& name_;
  std::string format_ = "PPM/PGM";
  size_t pos_ = 0;
};

// One output sample's source taps along an axis.
struct Taps {
  std::vector<int64_t> index;
  std::vector<double> weight;  // sums to 1
};

std::vector<Taps> AxisTaps(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double support = std::max(scale, 1.0);  // half-width of the triangle, in source pixels
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) {
    const double center = (static_cast<double>(i) + 0.5) * scale;  // pixel j covers [j, j+1)
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(center - support)));
    const int64_t hi = std::min<int64_t>(in - 1, static_cast<int64_t>(std::ceil(center + support)));
    Taps& t = taps[static_cast<size_t>(i)];
    double total = 0;
    for (int64_t j = lo; j <= hi; ++j) {
      const double w = 1.0 - std::abs(static_cast<double>(j) + 0.5 - center) / support;
      if (w <= 0) continue;
      t.index.push_back(j);
      t.weight.push_back(w);
      total += w;
    }
    // The nearest source pixel is within 0.5 <= support of the centre: total > 0.
    DISTCNN_CHECK(total > 0);
    for (double& w : t.weight) w /= total;
  }
  return taps;
}

}  // namespace

Result<Image> DecodeImage(std::string_view bytes, const std::string& name) {
  switch (DetectFileFormat(bytes)) {
    case FileFormat::kPng:
      return DecodeWithStb(bytes, name, "PNG");
    case FileFormat::kJpeg:
      return DecodeWithStb(bytes, name, "JPEG");
    case FileFormat::kPnm:
      return PnmReader(bytes, name).Read();
    case FileFormat::kNpy:
    case FileFormat::kUnknown:
      break;
  }
  return InvalidArgument(name + ": unknown image format; distcnn reads PNG, JPEG, PPM/PGM");
}

Result<Image> ReadImage(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  return DecodeImage(bytes, path);
}

Image ConvertChannels(const Image& image, int channels) {
  DISTCNN_CHECK(channels == 1 || channels == 3);
  DISTCNN_CHECK(image.channels == 1 || image.channels == 3);
  if (image.channels == channels) return image;
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.channels = channels;
  out.format = image.format;
  const size_t n = static_cast<size_t>(image.width * image.height);
  out.pixels.resize(n * static_cast<size_t>(channels));
  for (size_t p = 0; p < n; ++p) {
    if (channels == 1) {
      const float* rgb = &image.pixels[3 * p];
      out.pixels[p] = static_cast<float>(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
    } else {
      out.pixels[3 * p] = out.pixels[3 * p + 1] = out.pixels[3 * p + 2] = image.pixels[p];
    }
  }
  return out;
}

Image Resize(const Image& image, int64_t width, int64_t height) {
  DISTCNN_CHECK(width >= 1 && height >= 1 && image.width >= 1 && image.height >= 1);
  if (width == image.width && height == image.height) return image;
  const int64_t c = image.channels;
  // Rows first: image.height x width.
  const std::vector<Taps> xt = AxisTaps(image.width, width);
  std::vector<float> rows(static_cast<size_t>(image.height * width * c));
  for (int64_t y = 0; y < image.height; ++y) {
    const float* src = &image.pixels[static_cast<size_t>(y * image.width * c)];
    float* dst = &rows[static_cast<size_t>(y * width * c)];
    for (int64_t x = 0; x < width; ++x) {
      const Taps& t = xt[static_cast<size_t>(x)];
      for (int64_t k = 0; k < c; ++k) {
        double sum = 0;
        for (size_t i = 0; i < t.index.size(); ++i) sum += t.weight[i] * src[t.index[i] * c + k];
        dst[x * c + k] = static_cast<float>(sum);
      }
    }
  }
  // Then columns: height x width.
  const std::vector<Taps> yt = AxisTaps(image.height, height);
  Image out;
  out.width = width;
  out.height = height;
  out.channels = image.channels;
  out.format = image.format;
  out.pixels.resize(static_cast<size_t>(height * width * c));
  const int64_t row_len = width * c;
  for (int64_t y = 0; y < height; ++y) {
    const Taps& t = yt[static_cast<size_t>(y)];
    for (int64_t e = 0; e < row_len; ++e) {
      double sum = 0;
      for (size_t i = 0; i < t.index.size(); ++i) {
        sum += t.weight[i] * rows[static_cast<size_t>(t.index[i] * row_len + e)];
      }
      out.pixels[static_cast<size_t>(y * row_len + e)] = static_cast<float>(sum);
    }
  }
  return out;
}

bool UsesImageNetNormalization(const Shape& s) {
  return s.size() == 4 && s[1] == 3 && s[2] >= kImageNetMinSide && s[3] >= kImageNetMinSide;
}

Result<Tensor> ImageToTensor(const Image& image, const TensorInfo& input) {
  const Shape& s = input.shape;
  if (s.size() != 4 || s[0] != 1 || (s[1] != 1 && s[1] != 3) || s[2] < 1 || s[3] < 1) {
    return InvalidArgument("an image can feed a model input of shape [1,C,H,W] with C = 1 or 3; " +
                           std::string("input '") + input.name + "' is " + ShapeString(s));
  }
  const int channels = static_cast<int>(s[1]);
  const int64_t height = s[2];
  const int64_t width = s[3];
  const Image ready = Resize(ConvertChannels(image, channels), width, height);
  const bool imagenet = UsesImageNetNormalization(s);
  Tensor t(s);
  for (int k = 0; k < channels; ++k) {
    for (int64_t p = 0; p < height * width; ++p) {
      const float v = ready.pixels[static_cast<size_t>(p * channels + k)];
      t.data[static_cast<size_t>(k * height * width + p)] =
          imagenet ? static_cast<float>((v - kImageNetMean[k]) / kImageNetStd[k]) : v;
    }
  }
  return t;
}

}  // namespace distcnn::io
