// AwakeCpus: a power-management QoS request that keeps this host's CPUs out
// of idle states while it is held (Linux: 0 written to /dev/cpu_dma_latency,
// in force until the file is closed, the way latency benchmarks such as
// cyclictest ask for it). On a VM whose idle vCPUs halt, waking a thread on a
// halted vCPU takes about 160 us, and a ZeroMQ hop wakes up to three threads;
// holding the request makes an idle CPU poll instead. It costs CPU time on
// the host for as long as it is held. Needs root.
#pragma once

#include "distcnn/base/status.h"

namespace distcnn::runtime {

class AwakeCpus {
 public:
  // Unavailable naming the file and the reason when the request cannot be made.
  static Result<AwakeCpus> Request();
  AwakeCpus(AwakeCpus&& other) noexcept;
  AwakeCpus& operator=(AwakeCpus&& other) noexcept;
  AwakeCpus(const AwakeCpus&) = delete;
  AwakeCpus& operator=(const AwakeCpus&) = delete;
  ~AwakeCpus();  // withdraws the request

 private:
  explicit AwakeCpus(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace distcnn::runtime
