// The kernel backend a command runs with, by name ("reference", later
// "onednn"). One place, so every command accepts the same names.
#pragma once

#include <string>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"

namespace distcnn {

inline Result<const KernelRegistry*> ChooseKernels(const std::string& name) {
  if (name == "reference") return &ReferenceKernels();
  return InvalidArgument("--kernels '" + name + "': expected reference");
}

}  // namespace distcnn
