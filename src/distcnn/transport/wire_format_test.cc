#include "distcnn/transport/wire_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "distcnn/base/rng.h"

namespace distcnn::transport {
namespace {

uint64_t TestSeed() {
  const char* env = std::getenv("DISTCNN_TEST_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 20261123;
}

Header RandomHeader(Rng& rng) {
  Header h;
  h.kind = MessageKind::kTensor;
  h.frame_id = rng.Next();
  h.cnn = static_cast<uint32_t>(rng.Next());
  h.layer = static_cast<uint32_t>(rng.Next());
  h.dtype = static_cast<DType>(1 + rng.Below(5));
  const size_t rank = 1 + rng.Below(kMaxRank);
  uint64_t elements = 1;
  for (size_t i = 0; i < rank; ++i) {
    h.shape.push_back(1 + rng.Below(i < 3 ? 16 : 2));
    elements *= h.shape.back();
  }
  h.payload_bytes = elements * DTypeSize(h.dtype);
  const size_t route_length = rng.Below(kMaxRouteLength + 1);
  for (size_t i = 0; i < route_length; ++i) h.route.push_back(static_cast<uint16_t>(rng.Next()));
  if (rng.Below(2)) h.arrival_ns = rng.Next();
  // A whole layer's tensor, a part's input (scatter) or a part's result (gather).
  switch (rng.Below(3)) {
    case 0:
      break;
    case 1:
      h.part = static_cast<int>(rng.Below(kMaxPartIndex + 1));
      break;
    default:
      h.kind = MessageKind::kPartial;
      h.part = static_cast<int>(rng.Below(kMaxPartIndex + 1));
      break;
  }
  return h;
}

Header ValidTensorHeader() {
  Header h;
  h.kind = MessageKind::kTensor;
  h.frame_id = 7;
  h.cnn = 1;
  h.layer = 3;
  h.dtype = DType::kFloat32;
  h.shape = {1, 3, 4, 4};
  h.route = {2, 5, 1};
  h.payload_bytes = 3 * 4 * 4 * 4;
  return h;
}

HeaderBytes Encoded(const Header& h) {
  auto bytes = EncodeHeader(h);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return *bytes;
}

template <typename T>
void PutLE(HeaderBytes& b, size_t offset, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    b[offset + i] = static_cast<std::byte>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff);
  }
}

// Decoding `bytes` fails and the message contains `needle`.
void ExpectRejected(std::span<const std::byte> bytes, const std::string& needle) {
  auto decoded = DecodeHeader(bytes);
  ASSERT_FALSE(decoded.ok()) << "expected rejection containing '" << needle << "'";
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find(needle), std::string::npos)
      << decoded.status().message();
}

TEST(WireFormat, RandomHeadersRoundTrip) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (override with DISTCNN_TEST_SEED)");
  Rng rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const Header h = RandomHeader(rng);
    const HeaderBytes bytes = Encoded(h);
    auto decoded = DecodeHeader(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(*decoded, h);
    std::vector<std::byte> payload(h.payload_bytes, std::byte{0x5a});
    auto message = DecodeMessage(bytes, payload);
    ASSERT_TRUE(message.ok()) << message.status().message();
    EXPECT_EQ(message->payload, payload);
  }
}

TEST(WireFormat, LayoutIsLittleEndianWithMagicFirst) {
  const HeaderBytes b = Encoded(ValidTensorHeader());
  EXPECT_EQ(b[0], std::byte{'D'});
  EXPECT_EQ(b[1], std::byte{'C'});
  EXPECT_EQ(b[2], std::byte{'C'});
  EXPECT_EQ(b[3], std::byte{'N'});
  EXPECT_EQ(b[4], std::byte{kWireVersion});
  EXPECT_EQ(b[5], std::byte{0});
  EXPECT_EQ(b[8], std::byte{7});  // frame id, low byte first
  Header stamped = ValidTensorHeader();
  stamped.arrival_ns = 0x0102030405060708;
  const HeaderBytes s = Encoded(stamped);
  EXPECT_EQ(s[168], std::byte{8});  // arrival_ns, the last field
  EXPECT_EQ(s[175], std::byte{1});
}

TEST(WireFormat, RejectsTruncatedAndOversizedHeader) {
  const HeaderBytes b = Encoded(ValidTensorHeader());
  ExpectRejected(std::span(b).first(kHeaderBytes - 1), "header frame is 175 bytes, expected 176");
  ExpectRejected({}, "header frame is 0 bytes");
  std::vector<std::byte> longer(b.begin(), b.end());
  longer.push_back(std::byte{0});
  ExpectRejected(longer, "header frame is 177 bytes");
}

TEST(WireFormat, RejectsBadMagic) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  b[0] = std::byte{'X'};
  ExpectRejected(b, "magic: bad magic 0x4e434358");
}

TEST(WireFormat, RejectsOtherVersion) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  PutLE<uint16_t>(b, 4, 5);
  ExpectRejected(b, "version: unsupported wire version 5 (this build speaks 4)");
  // A version-2 peer's tensors are refused; only its hello decodes (below).
  PutLE<uint16_t>(b, 4, 2);
  ExpectRejected(b, "version: unsupported wire version 2 (this build speaks 4)");
}

// Version 3 added the part index at offset 26 (part + 1; 0: none).
TEST(WireFormat, PartIndexSitsAtOffset26) {
  Header h = ValidTensorHeader();
  EXPECT_EQ(Encoded(h)[26], std::byte{0});  // no part
  h.part = 2;
  HeaderBytes b = Encoded(h);
  EXPECT_EQ(b[26], std::byte{3});
  EXPECT_EQ(b[27], std::byte{0});
  EXPECT_EQ(DecodeHeader(b)->part, 2);
  h.kind = MessageKind::kPartial;
  b = Encoded(h);
  EXPECT_EQ(b[6], std::byte{5});
  auto decoded = DecodeHeader(b);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->kind, MessageKind::kPartial);
  EXPECT_EQ(decoded->part, 2);
}

TEST(WireFormat, PartRulesPerKind) {
  Header h = ValidTensorHeader();
  h.kind = MessageKind::kPartial;
  EXPECT_NE(EncodeHeader(h).status().message().find("part: a partial result must name its part"),
            std::string::npos);
  HeaderBytes b = Encoded(ValidTensorHeader());
  b[6] = std::byte{5};  // a partial without a part
  ExpectRejected(b, "part: a partial result must name its part");
  b = Encoded(ValidTensorHeader());
  b[6] = std::byte{4};  // a decision with a part
  b[26] = std::byte{1};
  ExpectRejected(b, "part: must be none for this kind");
  Message hello = MakeHello(std::vector<uint16_t>{kWireVersion});
  hello.header.part = 0;
  EXPECT_NE(EncodeHeader(hello.header).status().message().find("part: must be none"),
            std::string::npos);
  h = ValidTensorHeader();
  h.part = kMaxPartIndex + 1;
  EXPECT_NE(EncodeHeader(h).status().message().find("part: 65535 is not a part index"),
            std::string::npos);
}

// A peer on version 2 greets with a version-2 hello: it decodes (hellos kept
// their layout), and the handshake refuses the peer naming both sides' versions.
TEST(WireFormat, OlderPeersHelloDecodesAndIsRefused) {
  Message hello = MakeHello(std::vector<uint16_t>{2});
  hello.header.version = 2;
  const HeaderBytes b = Encoded(hello.header);
  EXPECT_EQ(b[4], std::byte{2});
  auto decoded = DecodeMessage(b, hello.payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->header.version, 2);
  auto version = NegotiateVersion(std::span<const uint16_t>(&kWireVersion, 1), *decoded);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().message(),
            "hello: peer speaks wire versions [2]; this build speaks [4]");
  // Version 1 had no hello of this layout; anything below 2 is refused outright.
  HeaderBytes old = b;
  PutLE<uint16_t>(old, 4, 1);
  ExpectRejected(old, "version: unsupported wire version 1 (this build speaks 4)");
}

TEST(WireFormat, RejectsUnknownKindAndDType) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  b[6] = std::byte{9};
  ExpectRejected(b, "kind: unknown message kind 9");
  b = Encoded(ValidTensorHeader());
  b[7] = std::byte{42};
  ExpectRejected(b, "dtype: unknown dtype 42");
}

TEST(WireFormat, RejectsRankTooBig) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  b[24] = std::byte{9};
  ExpectRejected(b, "rank: 9 exceeds the limit 8");
}

TEST(WireFormat, RejectsRouteTooLong) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  b[25] = std::byte{33};
  ExpectRejected(b, "route: length 33 exceeds the limit 32");
}

TEST(WireFormat, RejectsNonZeroUnusedSlots) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  PutLE<uint64_t>(b, 40 + 8 * 5, 3);
  ExpectRejected(b, "shape[5]: unused dimension slot must be 0");
  b = Encoded(ValidTensorHeader());
  PutLE<uint16_t>(b, 104 + 2 * 10, 3);
  ExpectRejected(b, "route[10]: unused route slot must be 0");
}

TEST(WireFormat, RejectsShapePayloadMismatch) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  PutLE<uint64_t>(b, 32, 191);
  ExpectRejected(b, "payload_bytes: 191 does not match shape and dtype (192 bytes)");
  b = Encoded(ValidTensorHeader());
  PutLE<uint64_t>(b, 40 + 8, 0);
  ExpectRejected(b, "shape[1]: dimension is 0");
}

TEST(WireFormat, RejectsOversizedPayloadAndOverflowingShape) {
  HeaderBytes b = Encoded(ValidTensorHeader());
  PutLE<uint64_t>(b, 32, kMaxPayloadBytes + 1);
  ExpectRejected(b, "payload_bytes: 1073741825 exceeds the limit");
  b = Encoded(ValidTensorHeader());
  for (int i = 0; i < 4; ++i) PutLE<uint64_t>(b, 40 + 8 * i, uint64_t{1} << 62);
  ExpectRejected(b, "tensor size exceeds the payload limit");
}

TEST(WireFormat, RejectsPayloadFrameOfWrongLength) {
  const HeaderBytes b = Encoded(ValidTensorHeader());
  std::vector<std::byte> payload(100);
  auto decoded = DecodeMessage(b, payload);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "decode message: payload frame is 100 bytes, header says 192");
}

TEST(WireFormat, RejectsKindRuleViolations) {
  Header h = ValidTensorHeader();
  h.dtype = DType::kNone;
  h.payload_bytes = 0;
  EXPECT_NE(EncodeHeader(h).status().message().find("dtype: a tensor needs a dtype"),
            std::string::npos);
  Header control;
  control.kind = MessageKind::kControl;
  control.shape = {2};
  EXPECT_NE(EncodeHeader(control).status().message().find("rank: must be 0"), std::string::npos);
  control.shape.clear();
  control.arrival_ns = 1;
  EXPECT_NE(EncodeHeader(control).status().message().find("arrival_ns: must be 0 for this kind"),
            std::string::npos);
  h = ValidTensorHeader();
  h.route.assign(kMaxRouteLength + 1, 1);
  EXPECT_NE(EncodeHeader(h).status().message().find("route: length 33"), std::string::npos);
}

TEST(WireFormat, HelloNegotiatesHighestCommonVersion) {
  const std::vector<uint16_t> peer = {1, 3};
  const Message hello = MakeHello(peer);
  const HeaderBytes b = Encoded(hello.header);
  auto decoded = DecodeMessage(b, hello.payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  const std::vector<uint16_t> ours = {1, 2, 3};
  auto version = NegotiateVersion(ours, *decoded);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 3);
}

TEST(WireFormat, HelloWithNoCommonVersionIsRefused) {
  const std::vector<uint16_t> peer = {5, 6};
  const std::vector<uint16_t> ours = {kWireVersion};
  auto version = NegotiateVersion(ours, MakeHello(peer));
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().message(),
            "hello: peer speaks wire versions [5, 6]; this build speaks [4]");
}

TEST(WireFormat, MalformedHelloPayloadIsRejected) {
  Message hello = MakeHello(std::vector<uint16_t>{1});
  hello.payload = {std::byte{0}, std::byte{0}};  // version 0
  auto decoded = DecodeMessage(Encoded(hello.header), hello.payload);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("version 0 is not a version"), std::string::npos);
  HeaderBytes b = Encoded(hello.header);
  PutLE<uint64_t>(b, 32, 3);
  ExpectRejected(b, "a hello carries 1 to 16 uint16 versions, not 3 bytes");
}

TEST(WireFormat, DecoderCountsAcceptedAndRejected) {
  MessageDecoder decoder;
  const HeaderBytes good = Encoded(ValidTensorHeader());
  std::vector<std::byte> payload(192);
  HeaderBytes bad = good;
  bad[0] = std::byte{0};
  EXPECT_TRUE(decoder.Decode(good, payload).ok());
  EXPECT_FALSE(decoder.Decode(bad, payload).ok());
  EXPECT_FALSE(decoder.Decode(good, std::span(payload).first(10)).ok());
  decoder.CountRejected();
  EXPECT_EQ(decoder.accepted(), 1u);
  EXPECT_EQ(decoder.rejected(), 3u);
}

}  // namespace
TEST(WireFormat, EpochTravelsWithTensorsOnly) {
  Header h = ValidTensorHeader();
  h.epoch = 0xA1B2C3D4u;
  auto decoded = DecodeHeader(Encoded(h));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->epoch, 0xA1B2C3D4u);
  Message hello = MakeHello(std::vector<uint16_t>{kWireVersion});
  HeaderBytes b = Encoded(hello.header);
  PutLE<uint32_t>(b, 28, 7);
  ExpectRejected(b, "epoch: must be 0 for this kind");
}

}  // namespace distcnn::transport
