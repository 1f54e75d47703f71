// libFuzzer target: the payload of a control message (docs/wire-format.md,
// "Control messages") -> DecodeControl, and the body of a "stats" reply ->
// NodeStatsFromJson, as the coordinator reads them. Any bytes give a message
// or an error starting with "control:"; an accepted message re-encodes to a
// message that decodes to the same type and blobs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "distcnn/runtime/control_message.h"
#include "distcnn/runtime/node_stats.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  transport::Message message;
  message.header.kind = transport::MessageKind::kControl;
  message.header.payload_bytes = size;
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  message.payload.assign(bytes, bytes + size);
  Result<runtime::ControlMessage> control = runtime::DecodeControl(message);
  if (!control.ok()) {
    fuzz::CheckRejection(control.status(), "control:");
    return 0;
  }
  Result<runtime::ControlMessage> again = runtime::DecodeControl(runtime::EncodeControl(*control));
  if (!again.ok() || again->type != control->type || again->blobs != control->blobs) {
    std::fprintf(stderr, "accepted control message does not survive re-encoding: %s\n",
                 again.ok() ? "type or blobs differ" : again.status().message().c_str());
    std::abort();
  }
  (void)runtime::NodeStatsFromJson(control->body);
  return 0;
}
