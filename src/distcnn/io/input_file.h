// The model input read from a file (`distcnn infer --input FILE`): an .npy array
// or an image, recognised by its magic bytes (file_format.h), whatever the
// extension. An .npy array must have the input's shape exactly, or that shape
// without a leading 1 ([C,H,W] for [1,C,H,W]); its values go to the model as
// they are. An image goes through the preprocessing of image.h. Thread safety:
// free functions, no shared state.
#pragma once

#include <string>

#include "distcnn/base/status.h"
#include "distcnn/kernels/tensor.h"
#include "distcnn/model/graph.h"

namespace distcnn::io {

// Loads the file at `path` as a tensor of `input.shape`. When `description` is
// given it receives a one-line summary, e.g. "x.png (PNG 640x480 RGB -> [1,3,224,224],
// ImageNet mean/std)". Errors name the file: IoError (cannot read), InvalidArgument
// for an empty file, an unknown format (listing the supported ones), a shape
// mismatch ("x.npy: shape [3,32,32] does not match model input 'input' [1,1,32,32]
// ..."), and the decoders' errors (npy.h, image.h).
Result<Tensor> LoadInputTensor(const std::string& path, const TensorInfo& input,
                               std::string* description = nullptr);

}  // namespace distcnn::io
