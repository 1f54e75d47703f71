// Loads a model named the way users name it: "zoo:NAME" (the built-in zoo) or
// the path of an ONNX file. Shapes are inferred. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "distcnn/base/status.h"
#include "distcnn/model/graph.h"

namespace distcnn {

struct ModelLoadOptions {
  // Sizes of symbolic (dynamic) input dimensions by name, e.g. {"batch", 1}.
  // Default: none (a symbolic dimension without a size is an error).
  std::map<std::string, int64_t> dim_sizes;
  // Keep initializer values (false: shapes only, for profiling). Default true.
  bool keep_weights = true;
};

// The most elements any one tensor of a loaded model may have: 2^30, 4 GiB of
// float32. Larger inputs, activations or weights would not fit any unit (and
// rarely this host); refusing them at load turns an allocation failure deep in
// a run into a message naming the model and the tensor.
constexpr int64_t kMaxTensorElements = int64_t{1} << 30;

// Errors: kNotFound (unknown zoo name, missing file), kInvalidArgument (not a
// valid or not a supported model; the message names the file, and for an
// unsupported operator the node and its op type; a tensor above
// kMaxTensorElements: the message names the tensor and its shape),
// kUnavailable (ONNX support not built in).
Result<Graph> LoadModel(const std::string& spec, const ModelLoadOptions& options = {});

}  // namespace distcnn
