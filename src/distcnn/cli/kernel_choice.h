// The kernel backend a command runs with, by name ("onednn", the default, or
// "reference"), and its intra-op threads. One place, so every command accepts
// the same names.
#pragma once

#include <string>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"

namespace distcnn {

// `threads` <= 0 keeps oneDNN's default (OMP_NUM_THREADS, else one per core).
inline Result<const KernelRegistry*> ChooseKernels(const std::string& name, int threads = 0) {
  ASSIGN_OR_RETURN(const KernelRegistry* registry, KernelsByName(name));
  SetKernelThreads(threads);
  return registry;
}

}  // namespace distcnn
