// Control messages between the coordinator and the nodes (deploy, ping, stats,
// stop and their replies): a `type`, a JSON body and binary blobs (the ONNX
// bytes of layer slices). Payload layout, little-endian (docs/wire-format.md):
// uint32 json_bytes, uint32 blob_count, blob_count x uint64 blob_bytes, the JSON
// text {"type": ..., "body": ...}, then the blobs back to back. Decoding checks
// every length against the payload before reading. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/transport/wire_format.h"

namespace distcnn::runtime {

struct ControlMessage {
  std::string type;                // "deploy", "deployed", "ping", "pong", "stats", "stop", "error"
  std::string body = "{}";         // JSON text
  std::vector<std::string> blobs;  // opaque bytes
};

transport::Message EncodeControl(const ControlMessage& control);

// InvalidArgument naming what is wrong (not a control message, truncated
// lengths, malformed JSON, missing "type").
Result<ControlMessage> DecodeControl(const transport::Message& message);

}  // namespace distcnn::runtime
