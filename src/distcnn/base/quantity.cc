#include "distcnn/base/quantity.h"

#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

namespace distcnn {

namespace {

struct UnitEntry {
  std::string symbol;  // without spaces
  double factor;       // to the base unit
};

constexpr QuantityKind kAllKinds[] = {
    QuantityKind::kBytes,         QuantityKind::kMults,   QuantityKind::kMultsPerS,
    QuantityKind::kRateBps,       QuantityKind::kLengthM, QuantityKind::kSeconds,
    QuantityKind::kDimensionless,
};

// Decimal prefixes (k and K are both 10^3, as the spec says).
const std::vector<std::pair<std::string, double>>& DecimalPrefixes() {
  static const std::vector<std::pair<std::string, double>> kPrefixes = {
      {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}};
  return kPrefixes;
}

const std::vector<std::pair<std::string, double>>& BinaryPrefixes() {
  static const std::vector<std::pair<std::string, double>> kPrefixes = {
      {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}};
  return kPrefixes;
}

// Adds `base` alone and with every decimal prefix.
void AddWithDecimalPrefixes(std::vector<UnitEntry>& out, const std::string& base, double factor) {
  out.push_back({base, factor});
  for (const auto& [p, f] : DecimalPrefixes()) out.push_back({p + base, f * factor});
}

std::vector<UnitEntry> BuildTable(QuantityKind kind) {
  std::vector<UnitEntry> t;
  switch (kind) {
    case QuantityKind::kBytes:
      AddWithDecimalPrefixes(t, "B", 1);
      for (const auto& [p, f] : BinaryPrefixes()) t.push_back({p + "B", f});
      t.push_back({"byte", 1});
      t.push_back({"bytes", 1});
      break;
    case QuantityKind::kMults:
    case QuantityKind::kMultsPerS: {
      const std::string per = kind == QuantityKind::kMults ? "" : "/s";
      // A bare decimal prefix ("105.42 M") scales the field's own unit.
      for (const auto& [p, f] : DecimalPrefixes()) t.push_back({p, f});
      AddWithDecimalPrefixes(t, "mult" + per, 1);
      AddWithDecimalPrefixes(t, "mults" + per, 1);
      if (!per.empty()) AddWithDecimalPrefixes(t, per, 1);  // "300 M/s"
      break;
    }
    case QuantityKind::kRateBps:
      for (const auto& [p, f] : DecimalPrefixes()) t.push_back({p, f});
      AddWithDecimalPrefixes(t, "bit/s", 1);
      AddWithDecimalPrefixes(t, "bps", 1);
      AddWithDecimalPrefixes(t, "b/s", 1);
      AddWithDecimalPrefixes(t, "B/s", 8);  // bytes per second
      break;
    case QuantityKind::kLengthM:
      t = {{"m", 1}, {"km", 1e3}, {"cm", 1e-2}, {"mm", 1e-3}};
      break;
    case QuantityKind::kSeconds:
      t = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"\xC2\xB5s", 1e-6}, {"ns", 1e-9}};
      break;
    case QuantityKind::kDimensionless:
      t = {{"%", 1e-2}};
      break;
  }
  return t;
}

const std::vector<UnitEntry>& Table(QuantityKind kind) {
  static const std::vector<std::vector<UnitEntry>> kTables = [] {
    std::vector<std::vector<UnitEntry>> all;
    for (QuantityKind k : kAllKinds) all.push_back(BuildTable(k));
    return all;
  }();
  return kTables[static_cast<size_t>(kind)];
}

const UnitEntry* FindUnit(QuantityKind kind, std::string_view symbol) {
  for (const UnitEntry& e : Table(kind)) {
    if (e.symbol == symbol) return &e;
  }
  return nullptr;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

const char* QuantityKindName(QuantityKind kind) {
  switch (kind) {
    case QuantityKind::kBytes:
      return "a size in bytes";
    case QuantityKind::kMults:
      return "a number of multiplications";
    case QuantityKind::kMultsPerS:
      return "a speed in multiplications/s";
    case QuantityKind::kRateBps:
      return "a data rate in bit/s";
    case QuantityKind::kLengthM:
      return "a length";
    case QuantityKind::kSeconds:
      return "a time";
    case QuantityKind::kDimensionless:
      return "a plain number";
  }
  return "a quantity";
}

std::string QuantityUnitsHelp(QuantityKind kind) {
  switch (kind) {
    case QuantityKind::kBytes:
      return "B, kB, KiB, MB, MiB, GB, GiB, TB, TiB";
    case QuantityKind::kMults:
      return "k, M, G, T, optionally followed by mult or mults, e.g. '105.42 M'";
    case QuantityKind::kMultsPerS:
      return "k, M, G, T, optionally followed by mult/s, mults/s or /s, e.g. '300 M mult/s'";
    case QuantityKind::kRateBps:
      return "bit/s, kbit/s, Mbit/s, Gbit/s (also bps, b/s; B/s counts bytes), e.g. '72.2 Mbit/s'";
    case QuantityKind::kLengthM:
      return "m, km, cm, mm";
    case QuantityKind::kSeconds:
      return "s, ms, us, ns";
    case QuantityKind::kDimensionless:
      return "no unit, or %";
  }
  return "";
}

Result<double> ParseQuantity(std::string_view text, QuantityKind kind) {
  const std::string_view s = Trim(text);
  const std::string expected = std::string("expected ") + QuantityKindName(kind) +
                               " (a number, optionally with a unit: " + QuantityUnitsHelp(kind) +
                               ")";
  if (s.empty()) return InvalidArgument("empty value; " + expected);

  // The number: [+-] digits [. digits] [e [+-] digits]. from_chars rejects '+'.
  size_t pos = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    pos = 1;
  }
  double value = 0;
  const char* first = s.data() + pos;
  const char* last = s.data() + s.size();
  auto [end, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (ec != std::errc() || end == first) {
    if (ec == std::errc::result_out_of_range)
      return InvalidArgument(Quoted(text) + ": out of range");
    return InvalidArgument(Quoted(text) + " is not a number; " + expected);
  }
  // from_chars accepts "inf" and "nan"; we want finite quantities only.
  if (!std::isfinite(value)) return InvalidArgument(Quoted(text) + ": not a finite number");
  if (*first == '+' || *first == '-') {  // a second sign: "+-5"
    return InvalidArgument(Quoted(text) + " is not a number; " + expected);
  }
  if (negative) value = -value;

  // The unit, with spaces removed ("M mult/s" -> "Mmult/s").
  std::string unit;
  for (const char* p = end; p != last; ++p) {
    if (!IsSpace(*p)) unit.push_back(*p);
  }
  if (unit.empty()) return value;
  if (const UnitEntry* e = FindUnit(kind, unit)) return value * e->factor;

  // Diagnose: a unit of another kind, or bits where bytes are expected.
  if (kind == QuantityKind::kBytes) {
    for (const auto* prefixes : {&DecimalPrefixes(), &BinaryPrefixes()}) {
      for (const auto& prefix : *prefixes) {
        if (prefix.first == unit) {
          return InvalidArgument(Quoted(text) + ": a size needs the unit B, e.g. '" + unit + "B'");
        }
      }
    }
  }
  if (kind == QuantityKind::kBytes && unit.back() == 'b') {
    std::string as_bytes = unit;
    as_bytes.back() = 'B';
    if (FindUnit(kind, as_bytes)) {
      return InvalidArgument(Quoted(text) + ": 'b' is a bit; sizes are in bytes, write '" +
                             as_bytes + "'");
    }
  }
  for (QuantityKind other : kAllKinds) {
    if (other != kind && FindUnit(other, unit)) {
      return InvalidArgument(Quoted(text) + ": '" + unit + "' is the unit of " +
                             QuantityKindName(other) + ", but " + QuantityKindName(kind) +
                             " is expected (units: " + QuantityUnitsHelp(kind) + ")");
    }
  }
  return InvalidArgument(Quoted(text) + ": unknown unit '" + unit + "' for " +
                         QuantityKindName(kind) + " (units: " + QuantityUnitsHelp(kind) + ")");
}

Result<int64_t> ParseByteCount(std::string_view text) {
  ASSIGN_OR_RETURN(double bytes, ParseQuantity(text, QuantityKind::kBytes));
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  if (!(std::fabs(bytes) < 9223372036854775808.0)) {
    return InvalidArgument("'" + std::string(text) + "': too large for a size in bytes");
  }
  return static_cast<int64_t>(std::llround(bytes));
}

}  // namespace distcnn
