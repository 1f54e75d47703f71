#include "distcnn/cli/flag_checks.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace distcnn {
namespace {

template <typename T>
std::string Format(T v) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(v));
    return buffer;
  }
}

template <typename T>
std::string Expected() {
  return std::is_integral_v<T> ? "expected an integer" : "expected a number";
}

}  // namespace

template <typename T>
std::string CheckNumber(std::string* text, const NumberBounds<T>& bounds) {
  const std::string& s = *text;
  const std::string got = " (got " + s + ")";
  const char* first = s.data();
  const char* last = s.data() + s.size();
  // from_chars takes no leading '+'; a leading '-' of an unsigned T is out of range.
  const bool negative = !s.empty() && s.front() == '-';
  const char* digits = std::is_unsigned_v<T> && negative ? first + 1 : first;
  T value{};
  const auto [end, ec] = std::from_chars(digits, last, value);
  if (s.empty() || (ec != std::errc() && ec != std::errc::result_out_of_range) || end != last) {
    return Expected<T>() + " (got '" + s + "')";
  }
  const std::string at_least =
      (bounds.min_exclusive ? "must be greater than " : "must be at least ");
  if constexpr (std::is_integral_v<T>) {
    if (ec == std::errc::result_out_of_range || (std::is_unsigned_v<T> && negative && value != 0)) {
      return negative ? at_least + Format(bounds.min) + got
                      : "must be at most " + Format(bounds.max) + got;
    }
    if (std::is_unsigned_v<T> && negative) value = 0;  // "-0"
  } else {
    // Out of range leaves `value` unset: strtod tells overflow (+-inf) from underflow (~0).
    if (ec == std::errc::result_out_of_range) value = std::strtod(s.c_str(), nullptr);
    if (std::isnan(value)) return Expected<T>() + " (got '" + s + "')";
    if (std::isinf(value) && value > 0 && !std::isinf(bounds.max)) {
      return bounds.max == std::numeric_limits<T>::max()
                 ? "must be finite" + got
                 : "must be at most " + Format(bounds.max) + got;
    }
  }
  if (bounds.min_exclusive ? !(value > bounds.min) : !(value >= bounds.min)) {
    return at_least + Format(bounds.min) + got;
  }
  if (value > bounds.max) return "must be at most " + Format(bounds.max) + got;
  if constexpr (std::is_integral_v<T>) *text = std::to_string(value);
  return "";
}

template std::string CheckNumber<int>(std::string*, const NumberBounds<int>&);
template std::string CheckNumber<int64_t>(std::string*, const NumberBounds<int64_t>&);
template std::string CheckNumber<uint64_t>(std::string*, const NumberBounds<uint64_t>&);
template std::string CheckNumber<double>(std::string*, const NumberBounds<double>&);

Result<FaultFlag> ParseFaultFlag(const std::string& text) {
  const std::string prefix = "--fault '" + text + "': ";
  const size_t at = text.find('@');
  if (at == std::string::npos || at == 0) {
    return InvalidArgument(prefix +
                           "expected UNIT@N[:kill|:stop] (kill or stop UNIT's node after N "
                           "decisions)");
  }
  std::string count = text.substr(at + 1);
  bool stop = false;
  if (const size_t colon = count.find(':'); colon != std::string::npos) {
    const std::string action = count.substr(colon + 1);
    if (action != "kill" && action != "stop") {
      return InvalidArgument(prefix + "the action after ':' must be kill or stop, not '" + action +
                             "'");
    }
    stop = action == "stop";
    count.resize(colon);
  }
  const std::string reason = CheckNumber<int>(&count, {0, false, std::numeric_limits<int>::max()});
  if (!reason.empty())
    return InvalidArgument(prefix + "N, the decisions before the kill, " + reason);
  FaultFlag fault{text.substr(0, at), 0, stop};
  std::from_chars(count.data(), count.data() + count.size(), fault.after_decisions);
  return fault;
}

}  // namespace distcnn
