#include "distcnn/transport/wire_format.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace distcnn::transport {
namespace {

// Field offsets of the header frame (docs/wire-format.md, version 4).
constexpr size_t kOffMagic = 0;
constexpr size_t kOffVersion = 4;
constexpr size_t kOffKind = 6;
constexpr size_t kOffDType = 7;
constexpr size_t kOffFrameId = 8;
constexpr size_t kOffCnn = 16;
constexpr size_t kOffLayer = 20;
constexpr size_t kOffRank = 24;
constexpr size_t kOffRouteLength = 25;
constexpr size_t kOffPart = 26;  // part + 1; 0: kNoPart
constexpr size_t kOffEpoch = 28;
constexpr size_t kOffPayloadBytes = 32;
constexpr size_t kOffDims = 40;
constexpr size_t kOffRoute = kOffDims + 8 * kMaxRank;
constexpr size_t kOffArrival = kOffRoute + 2 * kMaxRouteLength;
static_assert(kOffArrival + 8 == kHeaderBytes);

template <typename T>
void Put(std::byte* out, size_t offset, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[offset + i] = static_cast<std::byte>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff);
  }
}

template <typename T>
T Get(std::span<const std::byte> in, size_t offset) {
  uint64_t value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<uint64_t>(std::to_integer<uint8_t>(in[offset + i])) << (8 * i);
  }
  return static_cast<T>(value);
}

bool KnownKind(uint8_t kind) { return kind >= 1 && kind <= 5; }

// The versions a header may carry: this build's, and older ones for a hello
// (whose layout has not changed since version 2).
bool AcceptedVersion(uint16_t version, uint8_t kind) {
  return version == kWireVersion || (kind == static_cast<uint8_t>(MessageKind::kHello) &&
                                     version >= kOldestHelloVersion && version < kWireVersion);
}

std::string VersionError(uint16_t version) {
  return "unsupported wire version " + std::to_string(version) + " (this build speaks " +
         std::to_string(kWireVersion) + ")";
}
bool KnownDType(uint8_t dtype) { return dtype <= 5; }

std::string VersionList(std::span<const uint16_t> versions) {
  std::string out = "[";
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(versions[i]);
  }
  return out + "]";
}

// Checks the fields that do not depend on how the header was obtained.
Status ValidateFields(const Header& h) {
  const auto kind = static_cast<uint8_t>(h.kind);
  const auto dtype = static_cast<uint8_t>(h.dtype);
  if (!KnownKind(kind))
    return InvalidArgument("kind: unknown message kind " + std::to_string(kind));
  if (!KnownDType(dtype)) return InvalidArgument("dtype: unknown dtype " + std::to_string(dtype));
  if (h.shape.size() > kMaxRank) {
    return InvalidArgument("rank: " + std::to_string(h.shape.size()) + " exceeds the limit " +
                           std::to_string(kMaxRank));
  }
  if (h.route.size() > kMaxRouteLength) {
    return InvalidArgument("route: length " + std::to_string(h.route.size()) +
                           " exceeds the limit " + std::to_string(kMaxRouteLength));
  }
  if (h.payload_bytes > kMaxPayloadBytes) {
    return InvalidArgument("payload_bytes: " + std::to_string(h.payload_bytes) +
                           " exceeds the limit " + std::to_string(kMaxPayloadBytes));
  }
  if (h.part < kNoPart || h.part > kMaxPartIndex) {
    return InvalidArgument("part: " + std::to_string(h.part) + " is not a part index (0 to " +
                           std::to_string(kMaxPartIndex) + ") or none");
  }
  if (h.kind == MessageKind::kPartial && h.part == kNoPart) {
    return InvalidArgument("part: a partial result must name its part");
  }
  if (h.part != kNoPart && h.kind != MessageKind::kTensor && h.kind != MessageKind::kPartial) {
    return InvalidArgument("part: must be none for this kind");
  }
  if (h.epoch != 0 && !IsTensorKind(h.kind)) {
    return InvalidArgument("epoch: must be 0 for this kind");
  }
  if (IsTensorKind(h.kind)) {
    if (h.dtype == DType::kNone) return InvalidArgument("dtype: a tensor needs a dtype");
    if (h.shape.empty()) return InvalidArgument("rank: a tensor needs rank >= 1");
    uint64_t bytes = DTypeSize(h.dtype);
    for (size_t i = 0; i < h.shape.size(); ++i) {
      const uint64_t dim = h.shape[i];
      if (dim == 0) return InvalidArgument("shape[" + std::to_string(i) + "]: dimension is 0");
      if (dim > kMaxPayloadBytes / bytes) {
        return InvalidArgument("shape: tensor size exceeds the payload limit " +
                               std::to_string(kMaxPayloadBytes));
      }
      bytes *= dim;
    }
    if (bytes != h.payload_bytes) {
      return InvalidArgument("payload_bytes: " + std::to_string(h.payload_bytes) +
                             " does not match shape and dtype (" + std::to_string(bytes) +
                             " bytes)");
    }
  } else {
    if (h.dtype != DType::kNone) return InvalidArgument("dtype: must be none for this kind");
    if (h.arrival_ns != 0) return InvalidArgument("arrival_ns: must be 0 for this kind");
    if (!h.shape.empty()) return InvalidArgument("rank: must be 0 for this kind");
    if (h.kind == MessageKind::kHello && (h.payload_bytes == 0 || h.payload_bytes % 2 != 0 ||
                                          h.payload_bytes > 2 * kMaxHelloVersions)) {
      return InvalidArgument("payload_bytes: a hello carries 1 to " +
                             std::to_string(kMaxHelloVersions) + " uint16 versions, not " +
                             std::to_string(h.payload_bytes) + " bytes");
    }
  }
  return Status::Ok();
}

}  // namespace

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
    case DType::kInt32:
      return 4;
    case DType::kFloat16:
      return 2;
    case DType::kInt8:
    case DType::kUInt8:
      return 1;
    case DType::kNone:
      return 0;
  }
  return 0;
}

Status ValidateHeader(const Header& header) {
  if (!AcceptedVersion(header.version, static_cast<uint8_t>(header.kind))) {
    return InvalidArgument("version: this build encodes only wire version " +
                           std::to_string(kWireVersion) + ", not " +
                           std::to_string(header.version));
  }
  return ValidateFields(header);
}

Result<HeaderBytes> EncodeHeader(const Header& header) {
  RETURN_IF_ERROR(ValidateHeader(header).WithContext("encode header"));
  HeaderBytes out{};
  std::byte* p = out.data();
  Put<uint32_t>(p, kOffMagic, kWireMagic);
  Put<uint16_t>(p, kOffVersion, header.version);
  Put<uint8_t>(p, kOffKind, static_cast<uint8_t>(header.kind));
  Put<uint8_t>(p, kOffDType, static_cast<uint8_t>(header.dtype));
  Put<uint64_t>(p, kOffFrameId, header.frame_id);
  Put<uint32_t>(p, kOffCnn, header.cnn);
  Put<uint32_t>(p, kOffLayer, header.layer);
  Put<uint8_t>(p, kOffRank, static_cast<uint8_t>(header.shape.size()));
  Put<uint8_t>(p, kOffRouteLength, static_cast<uint8_t>(header.route.size()));
  Put<uint16_t>(p, kOffPart, static_cast<uint16_t>(header.part + 1));
  Put<uint32_t>(p, kOffEpoch, header.epoch);
  Put<uint64_t>(p, kOffPayloadBytes, header.payload_bytes);
  for (size_t i = 0; i < header.shape.size(); ++i)
    Put<uint64_t>(p, kOffDims + 8 * i, header.shape[i]);
  for (size_t i = 0; i < header.route.size(); ++i)
    Put<uint16_t>(p, kOffRoute + 2 * i, header.route[i]);
  Put<uint64_t>(p, kOffArrival, header.arrival_ns);
  return out;
}

Result<Header> DecodeHeader(std::span<const std::byte> bytes) {
  if (bytes.size() != kHeaderBytes) {
    return InvalidArgument("decode header: header frame is " + std::to_string(bytes.size()) +
                           " bytes, expected " + std::to_string(kHeaderBytes));
  }
  const auto magic = Get<uint32_t>(bytes, kOffMagic);
  if (magic != kWireMagic) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "decode header: magic: bad magic 0x%08x", magic);
    return InvalidArgument(buf);
  }
  Header h;
  h.version = Get<uint16_t>(bytes, kOffVersion);
  const auto kind = Get<uint8_t>(bytes, kOffKind);
  if (!AcceptedVersion(h.version, kind)) {
    return InvalidArgument("decode header: version: " + VersionError(h.version));
  }
  const auto dtype = Get<uint8_t>(bytes, kOffDType);
  if (!KnownKind(kind)) {
    return InvalidArgument("decode header: kind: unknown message kind " + std::to_string(kind));
  }
  if (!KnownDType(dtype)) {
    return InvalidArgument("decode header: dtype: unknown dtype " + std::to_string(dtype));
  }
  h.kind = static_cast<MessageKind>(kind);
  h.dtype = static_cast<DType>(dtype);
  h.frame_id = Get<uint64_t>(bytes, kOffFrameId);
  h.cnn = Get<uint32_t>(bytes, kOffCnn);
  h.layer = Get<uint32_t>(bytes, kOffLayer);
  const size_t rank = Get<uint8_t>(bytes, kOffRank);
  const size_t route_length = Get<uint8_t>(bytes, kOffRouteLength);
  if (rank > kMaxRank) {
    return InvalidArgument("decode header: rank: " + std::to_string(rank) + " exceeds the limit " +
                           std::to_string(kMaxRank));
  }
  if (route_length > kMaxRouteLength) {
    return InvalidArgument("decode header: route: length " + std::to_string(route_length) +
                           " exceeds the limit " + std::to_string(kMaxRouteLength));
  }
  h.epoch = Get<uint32_t>(bytes, kOffEpoch);
  h.part = static_cast<int>(Get<uint16_t>(bytes, kOffPart)) - 1;
  h.payload_bytes = Get<uint64_t>(bytes, kOffPayloadBytes);
  for (size_t i = 0; i < kMaxRank; ++i) {
    const auto dim = Get<uint64_t>(bytes, kOffDims + 8 * i);
    if (i < rank) {
      h.shape.push_back(dim);
    } else if (dim != 0) {
      return InvalidArgument("decode header: shape[" + std::to_string(i) +
                             "]: unused dimension slot must be 0");
    }
  }
  for (size_t i = 0; i < kMaxRouteLength; ++i) {
    const auto unit = Get<uint16_t>(bytes, kOffRoute + 2 * i);
    if (i < route_length) {
      h.route.push_back(unit);
    } else if (unit != 0) {
      return InvalidArgument("decode header: route[" + std::to_string(i) +
                             "]: unused route slot must be 0");
    }
  }
  h.arrival_ns = Get<uint64_t>(bytes, kOffArrival);
  RETURN_IF_ERROR(ValidateFields(h).WithContext("decode header"));
  return h;
}

Result<Message> DecodeMessage(std::span<const std::byte> header_frame,
                              std::span<const std::byte> payload_frame) {
  ASSIGN_OR_RETURN(Header header, DecodeHeader(header_frame));
  if (payload_frame.size() != header.payload_bytes) {
    return InvalidArgument("decode message: payload frame is " +
                           std::to_string(payload_frame.size()) + " bytes, header says " +
                           std::to_string(header.payload_bytes));
  }
  Message message{std::move(header), {payload_frame.begin(), payload_frame.end()}};
  if (message.header.kind == MessageKind::kHello) {
    auto versions = HelloVersions(message);
    if (!versions.ok()) return versions.status().WithContext("decode message");
  }
  return message;
}

Result<Message> MakeTensorMessage(uint64_t frame_id, uint32_t cnn, uint32_t layer, DType dtype,
                                  std::vector<uint64_t> shape, std::vector<uint16_t> route,
                                  std::vector<std::byte> payload, MessageKind kind, int part) {
  if (!IsTensorKind(kind))
    return InvalidArgument("tensor message: kind must be tensor, decision or partial");
  Message m;
  m.header.kind = kind;
  m.header.part = part;
  m.header.frame_id = frame_id;
  m.header.cnn = cnn;
  m.header.layer = layer;
  m.header.dtype = dtype;
  m.header.shape = std::move(shape);
  m.header.route = std::move(route);
  m.header.payload_bytes = payload.size();
  m.payload = std::move(payload);
  RETURN_IF_ERROR(ValidateHeader(m.header).WithContext("tensor message"));
  return m;
}

Message MakeHello(std::span<const uint16_t> versions) {
  DISTCNN_CHECK(!versions.empty() && versions.size() <= kMaxHelloVersions);
  Message m;
  m.header.kind = MessageKind::kHello;
  m.header.payload_bytes = 2 * versions.size();
  m.payload.resize(m.header.payload_bytes);
  for (size_t i = 0; i < versions.size(); ++i) Put<uint16_t>(m.payload.data(), 2 * i, versions[i]);
  return m;
}

Result<std::vector<uint16_t>> HelloVersions(const Message& message) {
  if (message.header.kind != MessageKind::kHello) {
    return InvalidArgument("hello: message is not a hello");
  }
  const size_t n = message.payload.size();
  if (n == 0 || n % 2 != 0 || n > 2 * kMaxHelloVersions) {
    return InvalidArgument("hello: payload of " + std::to_string(n) + " bytes is not 1 to " +
                           std::to_string(kMaxHelloVersions) + " uint16 versions");
  }
  std::vector<uint16_t> versions;
  for (size_t i = 0; i < n; i += 2) {
    const auto v = Get<uint16_t>(std::span<const std::byte>(message.payload), i);
    if (v == 0) return InvalidArgument("hello: version 0 is not a version");
    versions.push_back(v);
  }
  return versions;
}

Result<uint16_t> NegotiateVersion(std::span<const uint16_t> ours, const Message& peer_hello) {
  ASSIGN_OR_RETURN(std::vector<uint16_t> theirs, HelloVersions(peer_hello));
  uint16_t best = 0;
  for (uint16_t v : theirs) {
    if (std::find(ours.begin(), ours.end(), v) != ours.end()) best = std::max(best, v);
  }
  if (best == 0) {
    return InvalidArgument("hello: peer speaks wire versions " + VersionList(theirs) +
                           "; this build speaks " + VersionList(ours));
  }
  return best;
}

Result<Message> MessageDecoder::Decode(std::span<const std::byte> header_frame,
                                       std::span<const std::byte> payload_frame) {
  auto message = DecodeMessage(header_frame, payload_frame);
  (message.ok() ? accepted_ : rejected_).fetch_add(1, std::memory_order_relaxed);
  return message;
}

}  // namespace distcnn::transport
