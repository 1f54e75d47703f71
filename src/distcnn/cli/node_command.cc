#include "distcnn/cli/node_command.h"

#include "distcnn/cli/exit_status.h"
#include "distcnn/cli/kernel_choice.h"
#include "distcnn/runtime/node_daemon.h"
#include "distcnn/transport/zmq/curve_keys.h"

namespace distcnn {

int RunNodeCommand(const NodeFlags& flags) {
  Result<const KernelRegistry*> kernels = ChooseKernels(flags.kernels, flags.threads);
  if (!kernels.ok()) return Fail(kernels.status());
  runtime::NodeDaemonOptions options;
  options.listen = flags.listen;
  options.name = flags.name;
  options.deploy_timeout = std::chrono::seconds(flags.deploy_timeout_s);
  if (flags.key_file.empty() != flags.coordinator_key_file.empty()) {
    return Fail(InvalidArgument(
        "--key and --coordinator-key go together: a node with keys accepts only the "
        "coordinator's key and those its deployment names"));
  }
  if (!flags.key_file.empty()) {
    Result<transport::CurveKeyPair> keys = transport::LoadSecretKeyFile(flags.key_file);
    if (!keys.ok()) return Fail(keys.status().WithContext("--key"));
    Result<std::string> coordinator = transport::LoadPublicKeyFile(flags.coordinator_key_file);
    if (!coordinator.ok()) return Fail(coordinator.status().WithContext("--coordinator-key"));
    options.keys = *keys;
    options.coordinator_key = *coordinator;
  }
  if (Status s = runtime::RunNodeDaemon(options, **kernels); !s.ok()) return Fail(s);
  return kExitOk;
}

}  // namespace distcnn
