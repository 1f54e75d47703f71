// Fuzz driver for the wire-format decoder: mutates valid encoded messages with a
// seeded RNG (bit flips, byte overwrites, field-sized writes, truncation, extension)
// and checks that decoding never crashes or over-reads (run under ASan to see the
// latter) and that anything accepted re-encodes to the same header bytes.
// Usage: wire_format_fuzz [--iterations N] [--seed S]. Exit 0 on success, 1 on a
// violated invariant (the failing iteration and seed are printed).
// Built with -DDISTCNN_LIBFUZZER (fuzz/, docs/fuzzing.md) only
// LLVMFuzzerTestOneInput is compiled: the first kHeaderBytes bytes of the input
// are the header frame, the rest the payload frame; the same checks, aborting.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "distcnn/base/rng.h"
#include "distcnn/transport/wire_format.h"

using namespace distcnn;
using namespace distcnn::transport;

namespace {

#ifndef DISTCNN_LIBFUZZER
Message Seed(Rng& rng) {
  switch (rng.Below(4)) {
    case 0:
      return MakeHello(std::vector<uint16_t>{1, 2});
    case 2: {  // a split layer's part: its input (tensor) or its result (partial)
      std::vector<uint64_t> shape = {1, 1 + rng.Below(5)};
      std::vector<std::byte> payload(shape[1] * 4);
      const MessageKind kind = rng.Below(2) ? MessageKind::kTensor : MessageKind::kPartial;
      return std::move(MakeTensorMessage(rng.Next(), 0, 1, DType::kFloat32, shape, {}, payload,
                                         kind, static_cast<int>(rng.Below(4))))
          .value();
    }
    case 1: {
      Message m;
      m.header.kind = MessageKind::kControl;
      m.header.payload_bytes = rng.Below(64);
      m.payload.resize(m.header.payload_bytes);
      return m;
    }
    default: {
      std::vector<uint64_t> shape = {1 + rng.Below(3), 1 + rng.Below(5), 1 + rng.Below(5)};
      const auto dtype = static_cast<DType>(1 + rng.Below(5));
      std::vector<std::byte> payload(shape[0] * shape[1] * shape[2] * DTypeSize(dtype));
      std::vector<uint16_t> route(rng.Below(6), 4);
      return std::move(MakeTensorMessage(rng.Next(), 2, 3, dtype, shape, route, payload)).value();
    }
  }
}

void Mutate(Rng& rng, std::vector<std::byte>& b) {
  const int n = 1 + static_cast<int>(rng.Below(4));
  for (int k = 0; k < n; ++k) {
    switch (rng.Below(5)) {
      case 0:
        if (!b.empty())
          b[rng.Below(b.size())] ^= std::byte{static_cast<uint8_t>(1u << rng.Below(8))};
        break;
      case 1:
        if (!b.empty()) b[rng.Below(b.size())] = static_cast<std::byte>(rng.Next());
        break;
      case 2:  // write a "field-sized" interesting value
        if (b.size() >= 8) {
          static const uint64_t kInteresting[] = {
              0, 1, 0xff, 0xffff, ~uint64_t{0}, uint64_t{1} << 30, (uint64_t{1} << 30) + 1, 33, 9};
          const uint64_t v = kInteresting[rng.Below(std::size(kInteresting))];
          const size_t at = rng.Below(b.size() - 7);
          for (size_t i = 0; i < 8; ++i) b[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
        }
        break;
      case 3:
        b.resize(rng.Below(b.size() + 1));
        break;
      default:
        b.resize(b.size() + rng.Below(16), static_cast<std::byte>(rng.Next()));
        break;
    }
  }
}

#endif  // DISTCNN_LIBFUZZER

// Decodes one header frame and payload frame; "" when the invariants hold, else
// what is violated.
std::string CheckDecode(std::span<const std::byte> header, std::span<const std::byte> payload) {
  auto decoded = DecodeMessage(header, payload);
  if (!decoded.ok()) {
    return decoded.status().message().empty() ? "rejection without a message" : "";
  }
  if (decoded->payload.size() != decoded->header.payload_bytes) {
    return "accepted message whose payload differs from payload_bytes";
  }
  auto again = EncodeHeader(decoded->header);
  if (!again.ok() || header.size() != kHeaderBytes ||
      std::memcmp(again->data(), header.data(), kHeaderBytes) != 0) {
    return "accepted header does not re-encode";
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Exact-size heap copies, so that ASan sees any over-read of either frame.
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  const size_t header_bytes = std::min(size, kHeaderBytes);
  const std::vector<std::byte> header(bytes, bytes + header_bytes);
  const std::vector<std::byte> payload(bytes + header_bytes, bytes + size);
  if (const std::string violated = CheckDecode(header, payload); !violated.empty()) {
    std::fprintf(stderr, "wire_format_fuzz: %s\n", violated.c_str());
    std::abort();
  }
  return 0;
}

#ifndef DISTCNN_LIBFUZZER
int main(int argc, char** argv) {
  uint64_t iterations = 20000;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--iterations")) iterations = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  Rng rng(seed);
  uint64_t accepted = 0;
  for (uint64_t it = 0; it < iterations; ++it) {
    Message m = Seed(rng);
    auto encoded = EncodeHeader(m.header);
    if (!encoded.ok()) {
      std::fprintf(stderr, "seed %llu iteration %llu: seed message invalid: %s\n",
                   static_cast<unsigned long long>(seed), static_cast<unsigned long long>(it),
                   encoded.status().message().c_str());
      return 1;
    }
    std::vector<std::byte> header(encoded->begin(), encoded->end());
    std::vector<std::byte> payload = m.payload;
    if (rng.Bernoulli(0.8)) Mutate(rng, header);
    if (rng.Bernoulli(0.3)) Mutate(rng, payload);
    // Decode from exact-size heap copies so ASan catches any over-read.
    if (const std::string violated = CheckDecode(header, payload); !violated.empty()) {
      std::fprintf(stderr, "seed %llu iteration %llu: %s\n", static_cast<unsigned long long>(seed),
                   static_cast<unsigned long long>(it), violated.c_str());
      return 1;
    }
    if (DecodeMessage(header, payload).ok()) ++accepted;
  }
  std::printf("wire_format_fuzz: %llu iterations, %llu accepted, seed %llu\n",
              static_cast<unsigned long long>(iterations),
              static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(seed));
  return 0;
}
#endif
