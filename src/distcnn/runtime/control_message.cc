#include "distcnn/runtime/control_message.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace distcnn::runtime {
namespace {

void PutU64(std::vector<std::byte>* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}

uint64_t GetU64(const std::vector<std::byte>& in, size_t offset, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(std::to_integer<uint8_t>(in[offset + i])) << (8 * i);
  }
  return v;
}

void Append(std::vector<std::byte>* out, const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  out->insert(out->end(), p, p + s.size());
}

constexpr std::string_view kNames[] = {"deploy",    "deployed", "ping",       "pong",
                                       "stats",     "reset",    "reset_done", "epoch",
                                       "epoch_set", "stop",     "stopped",    "error"};
static_assert(std::size(kNames) == static_cast<size_t>(ControlType::kError) + 1);

}  // namespace

std::string_view ControlTypeName(ControlType type) { return kNames[static_cast<size_t>(type)]; }

std::optional<ControlType> ControlTypeFromName(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return static_cast<ControlType>(i);
  }
  return std::nullopt;
}

std::string ErrorText(const ControlMessage& error) {
  const nlohmann::json body = nlohmann::json::parse(error.body, nullptr, false);
  if (body.is_object()) {
    auto it = body.find("message");
    if (it != body.end() && it->is_string()) return it->get<std::string>();
  }
  return error.body;
}

ControlMessage MakeError(const std::string& text) {
  return ControlMessage{ControlType::kError, nlohmann::json{{"message", text}}.dump(), {}};
}

transport::Message EncodeControl(const ControlMessage& control) {
  // Bodies are made here, by EncodeDeployment and NodeStatsToJson: valid JSON.
  nlohmann::json envelope = {{"type", ControlTypeName(control.type)},
                             {"body", nlohmann::json::parse(control.body)}};
  const std::string json = envelope.dump();
  std::vector<std::byte> payload;
  PutU64(&payload, json.size(), 4);
  PutU64(&payload, control.blobs.size(), 4);
  for (const std::string& blob : control.blobs) PutU64(&payload, blob.size(), 8);
  Append(&payload, json);
  for (const std::string& blob : control.blobs) Append(&payload, blob);
  transport::Message m;
  m.header.kind = transport::MessageKind::kControl;
  m.header.payload_bytes = payload.size();
  m.payload = std::move(payload);
  return m;
}

Result<ControlMessage> DecodeControl(const transport::Message& message) {
  if (message.header.kind != transport::MessageKind::kControl) {
    return InvalidArgument("control: not a control message");
  }
  const std::vector<std::byte>& p = message.payload;
  if (p.size() < 8)
    return InvalidArgument("control: payload of " + std::to_string(p.size()) +
                           " bytes is shorter than its 8-byte preamble");
  const uint64_t json_bytes = GetU64(p, 0, 4);
  const uint64_t blob_count = GetU64(p, 4, 4);
  if (blob_count > (p.size() - 8) / 8) {
    return InvalidArgument("control: blob count " + std::to_string(blob_count) +
                           " does not fit the payload");
  }
  size_t offset = 8 + 8 * blob_count;
  std::vector<uint64_t> sizes;
  uint64_t total = json_bytes;
  for (uint64_t i = 0; i < blob_count; ++i) {
    sizes.push_back(GetU64(p, 8 + 8 * i, 8));
    if (sizes.back() > p.size()) return InvalidArgument("control: blob size exceeds the payload");
    total += sizes.back();
  }
  if (json_bytes > p.size() || total != p.size() - offset) {
    return InvalidArgument("control: lengths (json " + std::to_string(json_bytes) +
                           ", blobs) do "
                           "not add up to the payload of " +
                           std::to_string(p.size()) + " bytes");
  }
  const std::string json(reinterpret_cast<const char*>(p.data() + offset), json_bytes);
  offset += json_bytes;
  ControlMessage out;
  const nlohmann::json envelope = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (envelope.is_discarded()) return InvalidArgument("control: the JSON does not parse");
  if (!envelope.is_object()) return InvalidArgument("control: the JSON is not an object");
  const auto type = envelope.find("type");
  if (type == envelope.end() || !type->is_string()) {
    return InvalidArgument("control: no \"type\" string");
  }
  const std::optional<ControlType> known = ControlTypeFromName(type->get<std::string>());
  if (!known) return InvalidArgument("control: unknown type '" + type->get<std::string>() + "'");
  out.type = *known;
  const auto body = envelope.find("body");
  if (body == envelope.end() || !body->is_object()) {
    return InvalidArgument("control: the body of '" + type->get<std::string>() +
                           "' is not a JSON object");
  }
  out.body = body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (uint64_t size : sizes) {
    out.blobs.emplace_back(reinterpret_cast<const char*>(p.data() + offset), size);
    offset += size;
  }
  return out;
}

}  // namespace distcnn::runtime
