// The built-in registries by name, and the process-wide kernel settings.
#include "distcnn/kernels/reference/reference_kernels.h"
#include "distcnn/kernels/registry.h"
#ifdef DISTCNN_HAVE_ONEDNN
#include "distcnn/kernels/onednn/onednn_kernels.h"
#endif

namespace distcnn {

const KernelRegistry& OneDnnKernels() {
#ifdef DISTCNN_HAVE_ONEDNN
  static const KernelRegistry* const kRegistry = [] {
    auto* r = new KernelRegistry();
    RegisterReferenceKernels(r);
    RegisterOneDnnKernels(r);
    return r;
  }();
  return *kRegistry;
#else
  return ReferenceKernels();
#endif
}

const KernelRegistry& DefaultKernels() { return OneDnnKernels(); }

Result<const KernelRegistry*> KernelsByName(const std::string& name) {
  if (name == "reference") return &ReferenceKernels();
#ifdef DISTCNN_HAVE_ONEDNN
  if (name == "onednn") return &OneDnnKernels();
  return InvalidArgument("unknown kernels '" + name + "' (valid: onednn, reference)");
#else
  if (name == "onednn") {
    return InvalidArgument(
        "kernels 'onednn' are not in this build (DISTCNN_WITH_ONEDNN=OFF; "
        "valid: reference)");
  }
  return InvalidArgument("unknown kernels '" + name + "' (valid: reference)");
#endif
}

void SetKernelThreads(int threads) {
#ifdef DISTCNN_HAVE_ONEDNN
  SetOneDnnThreads(threads);
#else
  (void)threads;  // the reference kernels are single-threaded
#endif
}

}  // namespace distcnn
