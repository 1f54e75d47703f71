// Recognises the files `distcnn infer --input` reads by their first bytes (the
// extension is not consulted): NumPy .npy, PNG, JPEG and Netpbm PPM/PGM.
// Thread safety: pure functions.
#pragma once

#include <string_view>

namespace distcnn::io {

enum class FileFormat {
  kUnknown,
  kNpy,   // "\x93NUMPY"
  kPng,   // "\x89PNG\r\n\x1a\n"
  kJpeg,  // FF D8 FF
  kPnm,   // "P" + a digit 1-7 + whitespace (P2/P3/P5/P6 decode; P1/P4/P7 are refused)
};

// The format whose magic bytes `head` (the file's first bytes) starts with.
FileFormat DetectFileFormat(std::string_view head);

// "npy", "PNG", "JPEG", "PPM/PGM", "unknown".
const char* FileFormatName(FileFormat format);

// The list quoted by "unknown format" errors.
inline constexpr const char* kSupportedInputFormats =
    "NumPy .npy, PNG, JPEG, PPM/PGM (binary P6/P5 or ASCII P3/P2)";

}  // namespace distcnn::io
