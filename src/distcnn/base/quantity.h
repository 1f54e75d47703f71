// Quantities with units: parses "512 KiB", "72.2 Mbit/s", "105.42 M", "7.5 m",
// "300e6" into SI base units (bytes, multiplications, mults/s, bit/s, metres,
// seconds). The accepted units are listed in docs/scenario.md. Pure functions of
// their arguments; thread-safe. Independent of any file format (no YAML here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "distcnn/base/status.h"

namespace distcnn {

enum class QuantityKind {
  kBytes,          // B; k/K, M, G, T = 10^3..10^12; Ki, Mi, Gi, Ti = 2^10..2^40
  kMults,          // multiplications: bare prefix ("105.42 M") or mult(s) ("3 Mmult")
  kMultsPerS,      // multiplications per second: "300 M", "300 Mmult/s", "300 M mults/s"
  kRateBps,        // bit/s: "72.2 Mbit/s", "72.2 Mbps", "72.2 Mb/s", "9 MB/s" (x8), "72.2 M"
  kLengthM,        // metres: m, km, cm, mm
  kSeconds,        // seconds: s, ms, us (or µs), ns
  kDimensionless,  // a plain number, or a percentage ("99 %")
};

// A short description for messages, e.g. "a size in bytes", "a length".
const char* QuantityKindName(QuantityKind kind);

// The accepted units of `kind`, for messages and docs, e.g. "B, kB, KiB, MB, ...".
std::string QuantityUnitsHelp(QuantityKind kind);

// Parses `text` (a number, optionally followed by a unit; spaces around and inside
// the unit are ignored, "M mult/s" == "Mmult/s") into the SI base unit of `kind`.
// A number without a unit is already in the base unit; exponent forms ("256e6")
// are numbers. Returns kInvalidArgument, naming the text, for an empty text, a
// malformed or non-finite number, an unknown unit, or a unit of another kind
// ("5 m" as a size in bytes). Negative values are accepted: range checks belong
// to the caller, which knows the field.
Result<double> ParseQuantity(std::string_view text, QuantityKind kind);

// ParseQuantity(text, kBytes) rounded to the nearest byte ("1.5 KiB" = 1536).
// Also fails when the value does not fit in int64_t.
Result<int64_t> ParseByteCount(std::string_view text);

}  // namespace distcnn
