// Readable checks of the `distcnn` command's flag values, in one place for
// every subcommand. Numbers are parsed whole with std::from_chars (base 10; no
// wrap-around of "-1" into an unsigned seed, no octal or hex) and checked
// against their bounds; --fault UNIT@N is split and parsed. The checks are
// plain functions; AtLeast/GreaterThan/InRange wrap them as CLI11 validators
// for main.cc (add them with Option::transform, which lets them rewrite an
// integer canonically: CLI11 itself would read "010" as octal), so a bad value
// is refused while the flags are parsed, with
// "--heartbeat-timeout: must be greater than 0 (got 0)". Stateless, thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "distcnn/base/status.h"

namespace distcnn {

// The values a numeric flag accepts. Floating-point `max` +infinity admits
// "inf" (e.g. --time-limit); any finite `max` refuses infinities and NaN.
template <typename T>
struct NumberBounds {
  T min = std::numeric_limits<T>::lowest();
  bool min_exclusive = false;  // true: the value must be greater than `min`
  T max = std::numeric_limits<T>::max();
};

// Checks that `*text` is a T within `bounds`. Returns "" when it is (and
// rewrites an integer in canonical decimal, so that CLI11's conversion reads
// the value checked here), else the reason without the flag's name:
// "must be greater than 0 (got 0)", "expected an integer (got 'abc')".
// Instantiated for int, int64_t, uint64_t and double.
template <typename T>
std::string CheckNumber(std::string* text, const NumberBounds<T>& bounds);

// A CLI11 validator running CheckNumber (CLI11 prefixes the flag's name).
template <typename T>
CLI::Validator InRange(const NumberBounds<T>& bounds) {
  return CLI::Validator([bounds](std::string& text) { return CheckNumber<T>(&text, bounds); }, "");
}
// Values of at least `min` (seeds: AtLeast<uint64_t>(0), counts: AtLeast(1)).
template <typename T>
CLI::Validator AtLeast(T min) {
  return InRange<T>({min, false, std::numeric_limits<T>::max()});
}
// Values greater than `min` (durations: GreaterThan(0.0)).
template <typename T>
CLI::Validator GreaterThan(T min) {
  return InRange<T>({min, true, std::numeric_limits<T>::max()});
}

// --fault UNIT@N[:kill|:stop]: SIGKILL (default) or SIGSTOP UNIT's node after
// N decisions.
struct FaultFlag {
  std::string unit;
  int after_decisions = 0;
  bool stop = false;  // SIGSTOP: the node goes silent instead of dying
};

// Parses "UNIT@N[:kill|:stop]" (UNIT not empty, N an integer >= 0). Errors
// (kInvalidArgument) name the flag and the value: "--fault 'n01@abc': ...".
Result<FaultFlag> ParseFaultFlag(const std::string& text);

}  // namespace distcnn
