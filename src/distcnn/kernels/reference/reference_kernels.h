// Registration of the naive reference kernels: loops written to follow the
// ONNX operator definitions line by line (obviously correct, not fast: no
// blocking, no vectorisation, one thread). Spatial ranks 1 to 3.
#pragma once

#include "distcnn/kernels/registry.h"

namespace distcnn {

// Adds one reference kernel per supported operator to `registry`.
void RegisterReferenceKernels(KernelRegistry* registry);

}  // namespace distcnn
