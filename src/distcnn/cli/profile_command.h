// `distcnn profile MODEL`: loads a model (zoo:NAME or an ONNX file), groups its
// operators into placeable layers and prints the per-layer profile as a table,
// CSV or JSON on stdout. Returns the process exit status (0 ok, 1 bad input).
#pragma once

#include <string>
#include <vector>

namespace distcnn {

struct ProfileFlags {
  std::string model;                  // "zoo:NAME" or a path to an .onnx file
  std::string granularity = "layer";  // op | layer | block
  std::string format = "table";       // table | csv | json
  std::vector<std::string> dims;      // "NAME=SIZE" for symbolic input dimensions
};

int RunProfileCommand(const ProfileFlags& flags);

}  // namespace distcnn
