#include "distcnn/cli/node_command.h"

#include "distcnn/cli/exit_status.h"
#include "distcnn/cli/kernel_choice.h"
#include "distcnn/runtime/node_daemon.h"

namespace distcnn {

int RunNodeCommand(const NodeFlags& flags) {
  Result<const KernelRegistry*> kernels = ChooseKernels(flags.kernels, flags.threads);
  if (!kernels.ok()) return Fail(kernels.status());
  runtime::NodeDaemonOptions options;
  options.listen = flags.listen;
  options.name = flags.name;
  options.deploy_timeout = std::chrono::seconds(flags.deploy_timeout_s);
  if (Status s = runtime::RunNodeDaemon(options, **kernels); !s.ok()) return Fail(s);
  return kExitOk;
}

}  // namespace distcnn
