#include "distcnn/model/model_loader.h"

#include <fstream>

#include "distcnn/model/zoo.h"
#ifdef DISTCNN_HAVE_ONNX
#include "distcnn/model/onnx_io.h"
#endif

namespace distcnn {
namespace {

// Elements of `shape`, saturating at kMaxTensorElements + 1 (no overflow).
int64_t ElementsUpToLimit(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d == 0) return 0;
    n = d > (kMaxTensorElements + 1) / n ? kMaxTensorElements + 1 : n * d;
  }
  return n;
}

// Refuses a graph with a tensor above kMaxTensorElements, looking at the
// inputs first, then the node outputs in order, then the weights.
Status CheckTensorSizes(const Graph& graph, const std::string& spec) {
  auto check = [&](const TensorInfo& info) -> Status {
    if (ElementsUpToLimit(info.shape) <= kMaxTensorElements) return Status::Ok();
    return InvalidArgument(spec + ": tensor '" + info.name + "' " + ShapeString(info.shape) +
                           " has more than " + std::to_string(kMaxTensorElements) +
                           " elements (4 GiB of float32), the most distcnn allocates for one "
                           "tensor");
  };
  for (const TensorInfo& info : graph.inputs) RETURN_IF_ERROR(check(info));
  for (const Node& node : graph.nodes) {
    for (const std::string& name : node.outputs) {
      if (const TensorInfo* info = graph.FindTensor(name)) RETURN_IF_ERROR(check(*info));
    }
  }
  for (const Initializer& init : graph.initializers) RETURN_IF_ERROR(check(init.info));
  return Status::Ok();
}

Result<Graph> Import(const std::string& spec, const ModelLoadOptions& options) {
  if (spec.rfind("zoo:", 0) == 0) return BuildZooModel(spec.substr(4));
#ifdef DISTCNN_HAVE_ONNX
  OnnxImportOptions o;
  o.dim_sizes = options.dim_sizes;
  o.keep_weights = options.keep_weights;
  return ImportOnnxFile(spec, o);
#else
  (void)options;
  if (!std::ifstream(spec)) {
    return Status(StatusCode::kNotFound, spec + ": cannot open (no such file?)");
  }
  return Status(StatusCode::kUnavailable,
                spec + ": ONNX models need distcnn built with DISTCNN_WITH_ONNX=ON");
#endif
}

}  // namespace

Result<Graph> LoadModel(const std::string& spec, const ModelLoadOptions& options) {
  ASSIGN_OR_RETURN(Graph graph, Import(spec, options));
  RETURN_IF_ERROR(CheckTensorSizes(graph, spec));
  return graph;
}

}  // namespace distcnn
