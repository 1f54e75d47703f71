#include "distcnn/io/npy.h"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>

#include "distcnn/io/file_bytes.h"

namespace distcnn::io {
namespace {

constexpr size_t kPreambleV1 = 10;  // magic, version (2 bytes), uint16 header length
constexpr size_t kPreambleV2 = 12;  // magic, version (2 bytes), uint32 header length
constexpr uint32_t kMaxHeaderBytes = 1 << 20;
constexpr size_t kHeaderAlign = 64;  // numpy pads the preamble + header to 64 bytes

uint64_t LoadLe(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// The element types we read: the dtype string, its size and a converter.
enum class Kind { kF4, kF8, kI8, kU1 };
struct DtypeInfo {
  Kind kind;
  int bytes;
};

Result<DtypeInfo> ParseDtype(const std::string& descr) {
  constexpr const char* kSupported = "distcnn reads <f4, <f8, <i8 and |u1";
  if (descr.size() < 3) {
    return InvalidArgument("dtype '" + descr + "' is not supported; " + kSupported);
  }
  const char order = descr[0];
  const std::string type = descr.substr(1);
  std::optional<DtypeInfo> info;
  if (type == "f4") info = DtypeInfo{Kind::kF4, 4};
  if (type == "f8") info = DtypeInfo{Kind::kF8, 8};
  if (type == "i8") info = DtypeInfo{Kind::kI8, 8};
  if (type == "u1") info = DtypeInfo{Kind::kU1, 1};
  if (!info || (order != '<' && order != '>' && order != '|' && order != '=')) {
    return InvalidArgument("dtype '" + descr + "' is not supported; " + kSupported);
  }
  if (info->bytes > 1 && order == '>') {
    return InvalidArgument("dtype '" + descr + "' is big-endian; distcnn reads little-endian");
  }
  if (info->bytes > 1 && order != '<') {
    return InvalidArgument("dtype '" + descr + "' has no explicit byte order; " + kSupported);
  }
  return *info;
}

// A parser of the header's Python dict literal, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  struct Fields {
    std::string descr;
    bool fortran_order = false;
    Shape shape;
  };

  Result<Fields> Parse() {
    Fields fields;
    std::set<std::string> seen;
    SkipSpace();
    if (!Consume('{')) return Error("expected '{' at the start of the header dict");
    while (true) {
      SkipSpace();
      if (Consume('}')) break;
      ASSIGN_OR_RETURN(std::string key, String());
      if (!seen.insert(key).second) return Error("key '" + key + "' appears twice");
      SkipSpace();
      if (!Consume(':')) return Error("expected ':' after '" + key + "'");
      SkipSpace();
      if (key == "descr") {
        if (Peek() == '[') {
          return Error("descr is a structured dtype; distcnn reads plain numeric arrays");
        }
        ASSIGN_OR_RETURN(fields.descr, String());
      } else if (key == "fortran_order") {
        ASSIGN_OR_RETURN(fields.fortran_order, Bool());
      } else if (key == "shape") {
        ASSIGN_OR_RETURN(fields.shape, Tuple());
      } else {
        return Error("unexpected key '" + key + "' (expected descr, fortran_order, shape)");
      }
      SkipSpace();
      if (Consume(',')) continue;
      SkipSpace();
      if (Consume('}')) break;
      return Error("expected ',' or '}' after the value of '" + key + "'");
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the header dict");
    for (const char* key : {"descr", "fortran_order", "shape"}) {
      if (!seen.count(key)) return InvalidArgument(std::string("missing key '") + key + "'");
    }
    return fields;
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgument(what + " (at byte " + std::to_string(pos_) + " of '" +
                           Printable(text_.substr(0, 120)) + "')");
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  Result<std::string> String() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("expected a quoted string");
    ++pos_;
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Error("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  Result<bool> Bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    return Error("expected True or False");
  }
  Result<Shape> Tuple() {
    if (!Consume('(')) return Error("shape: expected '('");
    Shape shape;
    while (true) {
      SkipSpace();
      if (Consume(')')) break;
      if (Peek() < '0' || Peek() > '9') return Error("shape: expected a non-negative integer");
      int64_t dim = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        if (dim > (int64_t{1} << 50)) return Error("shape: dimension too large");
        dim = dim * 10 + (text_[pos_++] - '0');
      }
      Consume('L');  // Python 2 longs
      shape.push_back(dim);
      SkipSpace();
      if (Consume(',')) continue;
      SkipSpace();
      if (Consume(')')) break;
      return Error("shape: expected ',' or ')'");
    }
    return shape;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

std::string TupleString(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace

Result<NpyArray> DecodeNpy(std::string_view bytes, const std::string& name) {
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::string_view head = bytes.substr(0, kNpyMagic.size());
  if (head != kNpyMagic.substr(0, head.size())) {
    return InvalidArgument(name + ": not an .npy file: magic is '" + Printable(head) +
                           "', expected '\\x93NUMPY'");
  }
  if (bytes.size() < kPreambleV1) {
    return InvalidArgument(name + ": truncated: " + std::to_string(bytes.size()) +
                           " bytes, shorter than the .npy preamble");
  }
  const int major = u[6];
  const int minor = u[7];
  if (major < 1 || major > 3 || minor != 0) {
    return InvalidArgument(name + ": format version " + std::to_string(major) + "." +
                           std::to_string(minor) +
                           " is not supported; distcnn reads 1.0, 2.0 and 3.0");
  }
  const size_t preamble = major == 1 ? kPreambleV1 : kPreambleV2;
  if (bytes.size() < preamble) {
    return InvalidArgument(name + ": truncated: " + std::to_string(bytes.size()) +
                           " bytes, shorter than the .npy preamble");
  }
  const uint64_t header_bytes = LoadLe(u + 8, major == 1 ? 2 : 4);
  if (header_bytes > kMaxHeaderBytes) {
    return InvalidArgument(name + ": header: length " + std::to_string(header_bytes) +
                           " exceeds the limit of " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (bytes.size() - preamble < header_bytes) {
    return InvalidArgument(name + ": header: truncated: the preamble announces " +
                           std::to_string(header_bytes) + " bytes, the file holds " +
                           std::to_string(bytes.size() - preamble));
  }
  const std::string_view header = bytes.substr(preamble, header_bytes);
  Result<HeaderParser::Fields> fields = HeaderParser(header).Parse();
  if (!fields.ok()) return fields.status().WithContext(name + ": header");
  Result<DtypeInfo> dtype = ParseDtype(fields->descr);
  if (!dtype.ok()) return dtype.status().WithContext(name + ": header");
  if (fields->fortran_order) {
    return InvalidArgument(name +
                           ": header: fortran_order is True; distcnn reads C-order arrays only "
                           "(save np.ascontiguousarray(a))");
  }
  // Element count and data length, guarded against overflow. In int64_t and
  // left to right, as NumElements counts: every accepted shape then has a
  // count that NumElements can compute (a 0 after a huge prefix must not
  // hide an overflow; found by fuzz_npy).
  const std::string_view data = bytes.substr(preamble + header_bytes);
  int64_t elements = 1;
  for (int64_t d : fields->shape) {
    if (__builtin_mul_overflow(elements, d, &elements)) {
      return InvalidArgument(name + ": header: shape " + TupleString(fields->shape) +
                             " is too large");
    }
  }
  uint64_t expected_bytes = 0;
  if (__builtin_mul_overflow(elements, static_cast<uint64_t>(dtype->bytes), &expected_bytes)) {
    return InvalidArgument(name + ": header: shape " + TupleString(fields->shape) +
                           " is too large");
  }
  if (data.size() != expected_bytes) {
    return InvalidArgument(name + ": data: shape " + TupleString(fields->shape) + " of " +
                           fields->descr + " needs " + std::to_string(expected_bytes) +
                           " bytes, the file holds " + std::to_string(data.size()));
  }
  NpyArray array;
  array.dtype = fields->descr;
  array.tensor.shape = fields->shape;
  array.tensor.data.resize(elements);
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  for (uint64_t i = 0; i < elements; ++i) {
    float v = 0;
    switch (dtype->kind) {
      case Kind::kF4:
        v = std::bit_cast<float>(static_cast<uint32_t>(LoadLe(p + 4 * i, 4)));
        break;
      case Kind::kF8:
        v = static_cast<float>(std::bit_cast<double>(LoadLe(p + 8 * i, 8)));
        break;
      case Kind::kI8:
        v = static_cast<float>(static_cast<int64_t>(LoadLe(p + 8 * i, 8)));
        break;
      case Kind::kU1:
        v = static_cast<float>(p[i]);
        break;
    }
    array.tensor.data[i] = v;
  }
  return array;
}

Result<Tensor> ReadNpy(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  ASSIGN_OR_RETURN(NpyArray array, DecodeNpy(bytes, path));
  return std::move(array.tensor);
}

Result<std::string> EncodeNpy(const Tensor& tensor) {
  if (tensor.size() != NumElements(tensor.shape)) {
    return InvalidArgument("tensor of shape " + ShapeString(tensor.shape) + " holds " +
                           std::to_string(tensor.size()) + " values");
  }
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + TupleString(tensor.shape) + ", }";
  // Version 1.0 stores the header length in 16 bits; 2.0 in 32.
  const bool v1 = header.size() + 1 + (kHeaderAlign - 1) <= 0xffff;  // after padding
  const size_t preamble = v1 ? kPreambleV1 : kPreambleV2;
  const size_t unpadded = preamble + header.size() + 1;  // + '\n'
  header.append((kHeaderAlign - unpadded % kHeaderAlign) % kHeaderAlign, ' ');
  header += '\n';
  std::string out(kNpyMagic);
  out += static_cast<char>(v1 ? 1 : 2);
  out += '\0';
  const uint64_t n = header.size();
  for (size_t i = 0; i < (v1 ? 2u : 4u); ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  out += header;
  out.reserve(out.size() + 4 * tensor.data.size());
  for (float v : tensor.data) {
    const uint32_t bits = std::bit_cast<uint32_t>(v);
    for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  return out;
}

Status WriteNpy(const std::string& path, const Tensor& tensor) {
  Result<std::string> bytes = EncodeNpy(tensor);
  if (!bytes.ok()) return bytes.status().WithContext(path);
  return WriteFileBytes(path, *bytes);
}

std::vector<std::string> NpyFileNames(const std::vector<std::string>& tensor_names) {
  std::vector<std::string> out;
  std::set<std::string> used;
  for (const std::string& name : tensor_names) {
    std::string stem = name.empty() ? "output" : name;
    for (char& c : stem) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
      if (!ok) c = '_';
    }
    if (stem[0] == '.') stem[0] = '_';
    std::string file = stem + ".npy";
    for (int k = 2; used.count(file); ++k) file = stem + "_" + std::to_string(k) + ".npy";
    used.insert(file);
    out.push_back(file);
  }
  return out;
}

}  // namespace distcnn::io
