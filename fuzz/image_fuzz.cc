// libFuzzer target: image bytes (PNG, JPEG, PPM/PGM) -> DecodeImage, then the
// preprocessing of `distcnn infer --input` into a grey 28x28 and an RGB 64x64
// input. Any bytes give an image of width x height x channels samples in
// [0, 1] or an error naming the file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "distcnn/io/image.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  Result<io::Image> image = io::DecodeImage(fuzz::AsText(data, size), "fuzz.img");
  if (!image.ok()) {
    fuzz::CheckRejection(image.status(), "fuzz.img");
    return 0;
  }
  if (image->width < 1 || image->height < 1 || (image->channels != 1 && image->channels != 3) ||
      static_cast<int64_t>(image->pixels.size()) !=
          image->width * image->height * image->channels) {
    std::fprintf(stderr, "decoded image %lldx%lldx%d with %zu samples\n",
                 static_cast<long long>(image->width), static_cast<long long>(image->height),
                 image->channels, image->pixels.size());
    std::abort();
  }
  for (float v : image->pixels) {
    if (!(v >= 0.0f && v <= 1.0f)) {
      std::fprintf(stderr, "decoded sample %g outside [0, 1]\n", v);
      std::abort();
    }
  }
  // Large images are decoded but not resized: the resize cost grows with the
  // source, and the decoders are what is fuzzed here.
  if (image->width * image->height > (int64_t{1} << 20)) return 0;
  for (const TensorInfo& input : {TensorInfo{"x", DataType::kFloat32, Shape{1, 1, 28, 28}},
                                  TensorInfo{"x", DataType::kFloat32, Shape{1, 3, 64, 64}}}) {
    if (Result<Tensor> t = io::ImageToTensor(*image, input); !t.ok()) {
      std::fprintf(stderr, "ImageToTensor refused a decoded image: %s\n",
                   t.status().message().c_str());
      std::abort();
    }
  }
  return 0;
}
