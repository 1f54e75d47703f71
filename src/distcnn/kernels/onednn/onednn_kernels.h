// Registration of the oneDNN-backed kernels (Debian libdnnl 2.6, CPU engine,
// float32, plain row-major tensors). Each kernel computes with a oneDNN
// primitive when oneDNN can express the node's attributes and shapes, and
// otherwise runs the reference kernel for it (see docs/ops.md for the table).
// Used through OneDnnKernels() (kernels/registry.h); the knobs below are for
// tests and benchmarks. Everything here is thread-safe.
#pragma once

#include <cstdint>

#include "distcnn/kernels/registry.h"

namespace distcnn {

// Adds the oneDNN kernels to `registry`, replacing the ones registered for
// the same op types (call after RegisterReferenceKernels).
void RegisterOneDnnKernels(KernelRegistry* registry);

// Intra-op threads for the oneDNN primitives; <= 0: OpenMP's default
// (OMP_NUM_THREADS, else one per core). See SetKernelThreads.
void SetOneDnnThreads(int threads);

// Whether primitives are cached by shape (default true). With false every
// Run creates its primitives anew (for the benchmark's comparison).
void SetOneDnnPrimitiveCaching(bool enabled);

// Kernel runs since process start, by where they were computed: `onednn` by a
// oneDNN primitive, `reference` by the reference kernel because oneDNN
// cannot express the node (runs of ops that have no oneDNN kernel at all are
// not counted).
struct OneDnnRunCounts {
  int64_t onednn = 0;
  int64_t reference = 0;
};
OneDnnRunCounts GetOneDnnRunCounts();

}  // namespace distcnn
