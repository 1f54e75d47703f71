#include "distcnn/io/file_format.h"

namespace distcnn::io {

FileFormat DetectFileFormat(std::string_view head) {
  if (head.starts_with(std::string_view("\x93NUMPY", 6))) return FileFormat::kNpy;
  if (head.starts_with(std::string_view("\x89PNG\r\n\x1a\n", 8))) return FileFormat::kPng;
  if (head.starts_with(std::string_view("\xff\xd8\xff", 3))) return FileFormat::kJpeg;
  if (head.size() >= 3 && head[0] == 'P' && head[1] >= '1' && head[1] <= '7') {
    const char c = head[2];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#') return FileFormat::kPnm;
  }
  return FileFormat::kUnknown;
}

const char* FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kNpy:
      return "npy";
    case FileFormat::kPng:
      return "PNG";
    case FileFormat::kJpeg:
      return "JPEG";
    case FileFormat::kPnm:
      return "PPM/PGM";
    case FileFormat::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace distcnn::io
