#include "distcnn/report/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace distcnn::report_internal {

std::string Format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out;
  if (n > 0) {
    out.resize(static_cast<size_t>(n) + 1);
    std::vsnprintf(out.data(), out.size(), format, args);
    out.resize(static_cast<size_t>(n));
  }
  va_end(args);
  return out;
}

std::string FormatBytes(double bytes) {
  if (!std::isfinite(bytes)) return "-";
  if (std::fabs(bytes) < 1024) return Format("%.0f B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = bytes / 1024;
  int k = 0;
  while (std::fabs(v) >= 1024 && k < 3) {
    v /= 1024;
    ++k;
  }
  return Format("%.1f %s", v, units[k]);
}

std::string FormatMults(double mults) {
  if (!std::isfinite(mults)) return "-";
  if (std::fabs(mults) >= 1e9) return Format("%.3g G", mults / 1e9);
  if (std::fabs(mults) >= 1e6) return Format("%.3g M", mults / 1e6);
  if (std::fabs(mults) >= 1e3) return Format("%.3g k", mults / 1e3);
  return Format("%.0f", mults);
}

std::string FormatMs(double seconds) {
  if (!std::isfinite(seconds)) return "inf";
  return Format("%.3f", seconds * 1e3);
}

std::string TextTable::Render(int indent) const {
  std::vector<size_t> width;
  for (const auto& row : rows_) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line(static_cast<size_t>(indent), ' ');
    for (size_t c = 0; c < row.size(); ++c) {
      const bool right = c < right_.size() && right_[c];
      const std::string pad(width[c] - row[c].size(), ' ');
      if (c > 0) line += "  ";
      line += right ? pad + row[c] : row[c] + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace distcnn::report_internal
