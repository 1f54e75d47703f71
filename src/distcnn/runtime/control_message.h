// Control messages between the coordinator and the nodes: a typed kind, a JSON
// body and binary blobs (the ONNX bytes of layer slices). Payload layout,
// little-endian (docs/wire-format.md): uint32 json_bytes, uint32 blob_count,
// blob_count x uint64 blob_bytes, the JSON text {"type": ..., "body": ...},
// then the blobs back to back. Decoding checks every length against the
// payload, maps the type name to a ControlType once, and checks that the body
// is a JSON object, so no handler compares strings and nothing a peer sends
// can make a parse throw. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/transport/wire_format.h"

namespace distcnn::runtime {

enum class ControlType : uint8_t {
  kDeploy,     // coordinator -> node: a VertexDeployment (body) and its slices (blobs)
  kDeployed,   // node: the deployment is imported and serving
  kPing,       // coordinator -> node: heartbeat
  kPong,       // node: the reply, echoing the ping's body
  kStats,      // both ways: ask for / reply with NodeStats
  kReset,      // coordinator -> node: zero the statistics (after the warm-up)
  kResetDone,  // node: done
  kEpoch,      // coordinator -> node: {"epoch": n}; tensors of other epochs are dropped
  kEpochSet,   // node: done
  kStop,       // coordinator -> node: end this deployment, drain, report
  kStopped,    // node: final NodeStats of the deployment
  kError,      // node: {"message": ...}, a deployment it could not take
};

// The name on the wire ("deploy", "reset_done", ...).
std::string_view ControlTypeName(ControlType type);
std::optional<ControlType> ControlTypeFromName(std::string_view name);

struct ControlMessage {
  ControlType type = ControlType::kPing;
  std::string body = "{}";         // a JSON object, as text
  std::vector<std::string> blobs;  // opaque bytes
};

transport::Message EncodeControl(const ControlMessage& control);

// InvalidArgument naming what is wrong (not a control message, truncated
// lengths, malformed JSON, an unknown type, a body that is not an object).
Result<ControlMessage> DecodeControl(const transport::Message& message);

// The "message" of an kError body, or the whole body when it has none.
std::string ErrorText(const ControlMessage& error);

// An kError message carrying `text`.
ControlMessage MakeError(const std::string& text);

}  // namespace distcnn::runtime
