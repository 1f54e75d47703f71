// Images as model inputs: decoding (PNG and JPEG through stb_image, our own
// Netpbm PPM/PGM reader) and the fixed preprocessing that turns an image into a
// [1,C,H,W] float tensor (docs/models.md "Input and output files"):
//   1. samples scaled to [0, 1] (8-bit / 255, 16-bit / 65535, PNM / maxval);
//      an alpha channel is dropped (not composited);
//   2. channels: C = 1 takes the luminance 0.299 R + 0.587 G + 0.114 B of a
//      colour image; C = 3 replicates a grey image into R, G and B;
//   3. resized to W x H by bilinear interpolation (Resize below);
//   4. when C = 3 and H, W >= 64 (the zoo's ImageNet models), normalised per
//      channel with the ImageNet mean and std: (x - mean[c]) / std[c];
//      otherwise the values stay in [0, 1] (LeNet-5, the paper's 28x28 CNN).
// No crop, no aspect-ratio preservation. Deterministic: plain double arithmetic,
// one thread. Thread safety: free functions, no shared state.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/kernels/tensor.h"
#include "distcnn/model/graph.h"

namespace distcnn::io {

inline constexpr std::array<double, 3> kImageNetMean = {0.485, 0.456, 0.406};
inline constexpr std::array<double, 3> kImageNetStd = {0.229, 0.224, 0.225};
// Inputs with 3 channels and both sides at least this many pixels get the
// ImageNet normalisation.
inline constexpr int64_t kImageNetMinSide = 64;
// Larger images are refused before decoding (2^28 pixels, 3 GiB as float RGB).
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

struct Image {
  int64_t width = 0;
  int64_t height = 0;
  int channels = 0;           // 1 (grey) or 3 (RGB)
  std::vector<float> pixels;  // height x width x channels, row-major, in [0, 1]
  std::string format;         // "PNG", "JPEG", "PPM" or "PGM"
};

// Decodes PNG (8- and 16-bit), JPEG (baseline and progressive), and PPM/PGM
// (P6, P5, P3, P2; maxval 1..65535, 16-bit samples big-endian), recognised by
// their magic bytes. `name` prefixes errors. InvalidArgument: "NAME: unknown
// image format ...", "NAME: cannot decode PNG: REASON", "NAME: PPM: header: ...",
// "NAME: PPM: raster: truncated ...", or an image over kMaxImagePixels.
Result<Image> DecodeImage(std::string_view bytes, const std::string& name);

// Reads and decodes the image file at `path`: DecodeImage's errors, IoError if
// the file cannot be read.
Result<Image> ReadImage(const std::string& path);

// `image` with `channels` (1 or 3) channels: luminance or replicated grey (step 2).
Image ConvertChannels(const Image& image, int channels);

// `image` resized to width x height (both >= 1) with a triangle (bilinear)
// filter on half-pixel centres: output pixel i samples the source at
// (i + 0.5) * in / out - 0.5. When shrinking, the triangle widens by in / out so
// that every source pixel contributes (antialiasing, as PIL's BILINEAR); taps
// outside the image are dropped and the rest renormalised (edge clamp when
// enlarging). Weights and sums in double, one rounding to float per pass
// (separable: rows, then columns), so a constant image stays exactly constant.
// The same size returns the image unchanged.
Image Resize(const Image& image, int64_t width, int64_t height);

// Whether an input of this shape ([1,3,H,W] with H, W >= kImageNetMinSide) gets
// the ImageNet mean/std normalisation (step 4).
bool UsesImageNetNormalization(const Shape& input_shape);

// The preprocessing above: `image` as a tensor of `input.shape`. InvalidArgument
// if the shape is not [1,C,H,W] with C = 1 or 3 and H, W >= 1.
Result<Tensor> ImageToTensor(const Image& image, const TensorInfo& input);

}  // namespace distcnn::io
