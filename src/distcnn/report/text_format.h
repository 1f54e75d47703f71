// Internal helpers of the report module: printf-style formatting into strings,
// human-readable sizes and multiplication counts, and a fixed-width text table.
// Not part of the public API. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace distcnn::report_internal {

// printf into a std::string (any length).
std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

// "812 B", "19.2 KiB", "512.0 MiB", "1.0 GiB" (binary units, as the device catalogue).
std::string FormatBytes(double bytes);
// "3.81 M", "1.2 G", "750" multiplications; "-" for infinity.
std::string FormatMults(double mults);
// Milliseconds with 3 decimals, "inf" for non-finite values.
std::string FormatMs(double seconds);

// A fixed-width table: the first row is the header; columns are left-aligned
// unless marked right-aligned; two spaces between columns; `indent` spaces first.
class TextTable {
 public:
  explicit TextTable(std::vector<bool> right_aligned) : right_(std::move(right_aligned)) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string Render(int indent) const;

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace distcnn::report_internal
