// The versioned wire format of distcnn messages (docs/wire-format.md is the spec).
// A message is two frames: a fixed-size little-endian header (kHeaderBytes) and a
// payload frame (tensor bytes, hello versions or control bytes) sent separately so
// the ZeroMQ adapter can hand tensors over without copying. DecodeHeader validates
// every field against explicit limits and never reads past the given span.
// Thread safety: free functions are pure; MessageDecoder counters are atomic.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "distcnn/base/status.h"

namespace distcnn::transport {

inline constexpr uint32_t kWireMagic = 0x4E434344;  // bytes "DCCN" on the wire
inline constexpr uint16_t kWireVersion = 4;         // the only version this build speaks
// Hellos of this version and later decode (their layout is version 4's), so the
// handshake can refuse an older peer by naming its versions; nothing else does.
inline constexpr uint16_t kOldestHelloVersion = 2;
inline constexpr size_t kMaxRank = 8;
inline constexpr size_t kMaxRouteLength = 32;
inline constexpr uint64_t kMaxPayloadBytes = uint64_t{1} << 30;  // 1 GiB
inline constexpr size_t kMaxHelloVersions = 16;
inline constexpr size_t kHeaderBytes = 176;
// Header::part of a message that is not a split layer's part (a whole layer's
// tensor, hello, control, decision); parts are numbered 0 .. kMaxPartIndex.
inline constexpr int kNoPart = -1;
inline constexpr int kMaxPartIndex = 0xFFFE;

enum class MessageKind : uint8_t {
  kHello = 1,    // payload: little-endian uint16 wire versions the sender speaks
  kTensor = 2,   // an activation: the input of layer `layer` (0: the source image)
  kControl = 3,  // payload: opaque bytes (deployment, stop, ...), up to kMaxPayloadBytes
  kDecision =
      4,  // a CNN's decision for the sink: the output of layer `layer` (an exit or the last)
  // A split layer's part result for its merge unit: what part `part` of layer
  // `layer` computed (an output block or a partial sum).
  kPartial = 5,
};

// Tensor, decision and partial messages carry a dense row-major tensor (dtype
// and shape from the header).
inline bool IsTensorKind(MessageKind kind) {
  return kind == MessageKind::kTensor || kind == MessageKind::kDecision ||
         kind == MessageKind::kPartial;
}

enum class DType : uint8_t {
  kNone = 0,  // hello and control messages
  kFloat32 = 1,
  kFloat16 = 2,
  kInt32 = 3,
  kInt8 = 4,
  kUInt8 = 5,
};

// Bytes per element of `dtype`; 0 for kNone or an unknown value.
size_t DTypeSize(DType dtype);

struct Header {
  MessageKind kind = MessageKind::kTensor;
  uint16_t version = kWireVersion;
  uint64_t frame_id = 0;  // sequence number per (source, CNN) stream
  uint32_t cnn = 0;       // CNN index in the plan
  uint32_t layer = 0;     // layer index within the CNN (see MessageKind)
  // The part of a split layer this message serves (tensor: the part's input,
  // its scatter; partial: the part's result, its gather), or kNoPart.
  int part = kNoPart;
  // Tensors, partials and decisions: the plan they were computed under. A
  // failover re-plans and advances it; a node drops what another epoch sent,
  // so frames in flight under the old plan never meet the new one. Hello and
  // control: 0.
  uint32_t epoch = 0;
  DType dtype = DType::kNone;
  std::vector<uint64_t> shape;  // rank <= kMaxRank, every dim >= 1 (tensors only)
  std::vector<uint16_t> route;  // unit indices still to traverse, <= kMaxRouteLength
  uint64_t payload_bytes = 0;   // exact length of the payload frame
  // Tensors and decisions under radio emulation: when the modelled transmission
  // of this hop ends, in the sender's steady clock (ns); 0: on receipt. Only a
  // sender that shares the receiver's clock sets it (docs/runtime.md).
  uint64_t arrival_ns = 0;

  bool operator==(const Header&) const = default;
};

struct Message {
  Header header;
  std::vector<std::byte> payload;
};

using HeaderBytes = std::array<std::byte, kHeaderBytes>;

// Checks every field of `header` against the limits above and the kind's rules.
// InvalidArgument naming the offending field otherwise.
Status ValidateHeader(const Header& header);

// Validates then serialises `header`. InvalidArgument if a field is invalid.
Result<HeaderBytes> EncodeHeader(const Header& header);

// Parses a header frame. InvalidArgument with the offending field for a wrong
// length, bad magic, other version (a hello of version kOldestHelloVersion or
// later decodes: the handshake refuses its sender), unknown kind or dtype,
// rank/route over the limit, non-zero unused slots, a part or epoch
// against the kind's rules, or payload size inconsistent with shape.
Result<Header> DecodeHeader(std::span<const std::byte> bytes);

// Decodes a two-frame message: the header, then checks the payload frame's length
// against header.payload_bytes (and the hello payload's content).
Result<Message> DecodeMessage(std::span<const std::byte> header_frame,
                              std::span<const std::byte> payload_frame);

// Builds a tensor (or decision, or partial) message; `payload` must hold
// product(shape) * DTypeSize(dtype) bytes.
Result<Message> MakeTensorMessage(uint64_t frame_id, uint32_t cnn, uint32_t layer, DType dtype,
                                  std::vector<uint64_t> shape, std::vector<uint16_t> route,
                                  std::vector<std::byte> payload,
                                  MessageKind kind = MessageKind::kTensor, int part = kNoPart);

// Builds a hello announcing `versions` (1..kMaxHelloVersions entries).
Message MakeHello(std::span<const uint16_t> versions);

// Reads the versions a hello announces. InvalidArgument if `message` is not a valid hello.
Result<std::vector<uint16_t>> HelloVersions(const Message& message);

// Picks the highest version both `ours` and the peer's hello support.
// InvalidArgument "peer speaks wire versions [..]; this build speaks [..]" if none.
Result<uint16_t> NegotiateVersion(std::span<const uint16_t> ours, const Message& peer_hello);

// DecodeMessage plus counters of accepted and rejected messages (for transports).
class MessageDecoder {
 public:
  Result<Message> Decode(std::span<const std::byte> header_frame,
                         std::span<const std::byte> payload_frame);
  // Counts a message rejected before decoding (e.g. wrong number of frames).
  void CountRejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> rejected_{0};
};

}  // namespace distcnn::transport
