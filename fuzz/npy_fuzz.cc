// libFuzzer target: .npy bytes -> DecodeNpy. Any bytes give an array whose
// data holds exactly the shape's element count, or an error naming the file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "distcnn/io/npy.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  Result<io::NpyArray> array = io::DecodeNpy(fuzz::AsText(data, size), "fuzz.npy");
  if (!array.ok()) {
    fuzz::CheckRejection(array.status(), "fuzz.npy");
    return 0;
  }
  if (static_cast<int64_t>(array->tensor.data.size()) != NumElements(array->tensor.shape)) {
    std::fprintf(stderr, "decoded array: %zu values for %lld elements\n", array->tensor.data.size(),
                 static_cast<long long>(NumElements(array->tensor.shape)));
    std::abort();
  }
  // What `infer --save-output` does with a tensor: encode it again.
  (void)io::EncodeNpy(array->tensor);
  return 0;
}
