#include "distcnn/runtime/awake_cpus.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace distcnn::runtime {
namespace {

constexpr const char* kQosFile = "/dev/cpu_dma_latency";

Status Refused(int error) {
  return Status(StatusCode::kUnavailable,
                std::string("keep CPUs awake: ") + kQosFile + ": " + std::strerror(error));
}

}  // namespace

Result<AwakeCpus> AwakeCpus::Request() {
  const int fd = ::open(kQosFile, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Refused(errno);
  const int32_t max_latency_us = 0;  // no idle state may take longer than this to leave
  if (::write(fd, &max_latency_us, sizeof max_latency_us) != sizeof max_latency_us) {
    const int error = errno;
    ::close(fd);
    return Refused(error);
  }
  return AwakeCpus(fd);
}

AwakeCpus::AwakeCpus(AwakeCpus&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

AwakeCpus& AwakeCpus::operator=(AwakeCpus&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

AwakeCpus::~AwakeCpus() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace distcnn::runtime
