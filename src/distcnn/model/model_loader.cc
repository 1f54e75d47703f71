#include "distcnn/model/model_loader.h"

#include <fstream>

#include "distcnn/model/zoo.h"
#ifdef DISTCNN_HAVE_ONNX
#include "distcnn/model/onnx_io.h"
#endif

namespace distcnn {

Result<Graph> LoadModel(const std::string& spec, const ModelLoadOptions& options) {
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

}  // namespace distcnn
