// ONNX import and export (the only code that sees protobuf and libonnx; their
// exceptions are caught here). Import: protobuf parse, ONNX checker and shape
// inference, conversion to the IR (Constant folded into initializers; Clip's
// bounds and Reshape's shape become attributes), then our own shape inference,
// checked against ONNX's. Export: opset 13, weights inside the file, passes the
// ONNX checker, and imports back to the identical graph. Thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "distcnn/base/status.h"
#include "distcnn/model/graph.h"

namespace distcnn {

struct OnnxImportOptions {
  // Sizes of symbolic (dynamic) input dimensions by name; default none.
  std::map<std::string, int64_t> dim_sizes;
  // Keep initializer values (false: shapes only). Default true.
  bool keep_weights = true;
};

// Reads an ONNX model. Errors (kInvalidArgument unless noted), each message
// starting with `path`: kNotFound (no such file), kIoError (unreadable), not a
// protobuf / not an ONNX model (truncated, wrong format), external data,
// unsupported operator ("node 'n' (Op): operator 'Op' is not supported"), an
// unsupported attribute, a missing initializer or input, a dynamic dimension
// without a size, ONNX checker or shape inference failures.
Result<Graph> ImportOnnxFile(const std::string& path, const OnnxImportOptions& options = {});
// The same from bytes in memory; `display_name` stands for the file name.
Result<Graph> ImportOnnxBytes(std::string_view bytes, const std::string& display_name,
                              const OnnxImportOptions& options = {});

// Reads one serialized ONNX TensorProto (e.g. the input_0.pb / output_0.pb of
// the ONNX node tests) with its values. Errors: kNotFound, kIoError,
// kInvalidArgument (not a TensorProto, external data, unsupported type).
Result<Initializer> ReadOnnxTensorFile(const std::string& path);

// Serialises a graph with inferred shapes as an ONNX model (opset 13). Errors:
// kInvalidArgument when the ONNX checker rejects the result (a bug).
Result<std::string> ExportOnnxBytes(const Graph& graph);
// Writes ExportOnnxBytes to `path`. Errors: as above, kIoError.
Status ExportOnnxFile(const Graph& graph, const std::string& path);

}  // namespace distcnn
