// NumPy .npy files (format versions 1.0, 2.0 and 3.0; docs/models.md "Input and
// output files"). Reading accepts C-order arrays of dtype <f4, <f8, <i8 and |u1
// and converts the values to float32 unscaled (|u1 255 stays 255.0; <i8 and <f8
// round to the nearest float). Writing always produces version 1.0 (2.0 when the
// header exceeds 64 KiB) with dtype '<f4'. Every error names the file and the part
// that is wrong: "x.npy: header: dtype '>f4' is big-endian; distcnn reads
// little-endian". Thread safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/kernels/tensor.h"

namespace distcnn::io {

// The six bytes every .npy file starts with.
inline constexpr std::string_view kNpyMagic{"\x93NUMPY", 6};

// A decoded array: the values as float32 and the dtype the file stored ("<f8").
struct NpyArray {
  Tensor tensor;
  std::string dtype;
};

// Decodes the bytes of an .npy file; `name` (usually the path) prefixes errors.
// InvalidArgument for a wrong magic or version, a truncated or malformed header,
// an unsupported or big-endian dtype, fortran_order True, or a data section whose
// length differs from the shape's.
Result<NpyArray> DecodeNpy(std::string_view bytes, const std::string& name);

// Reads an .npy file as a float32 tensor: DecodeNpy's errors, IoError if the
// file cannot be read.
Result<Tensor> ReadNpy(const std::string& path);

// The bytes of a little-endian float32 ('<f4'), C-order .npy file holding
// `tensor`. InvalidArgument if tensor.data does not hold NumElements(shape) values.
Result<std::string> EncodeNpy(const Tensor& tensor);

// Writes `tensor` as an '<f4' .npy file. EncodeNpy's errors (prefixed with the
// path), IoError if the file cannot be written.
Status WriteNpy(const std::string& path, const Tensor& tensor);

// File names for tensors, one per name, in order: "<name>.npy" with every
// character outside [A-Za-z0-9._-] replaced by '_', a leading '.' by '_', an empty
// name by "output"; names that collide after that get "_2", "_3", ... appended.
std::vector<std::string> NpyFileNames(const std::vector<std::string>& tensor_names);

}  // namespace distcnn::io
