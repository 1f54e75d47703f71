// Test helper shared by the kernel tests: a node of `op` reading x0..x(n-1)
// and writing y0..y(m-1).
#pragma once

#include <map>
#include <string>

#include "distcnn/model/graph.h"

namespace distcnn::kernel_testing {

inline Node MakeNode(const std::string& op, int inputs, std::map<std::string, Attribute> attrs = {},
                     int outputs = 1) {
  Node n;
  n.name = "n";
  n.op_type = op;
  for (int i = 0; i < inputs; ++i) n.inputs.push_back("x" + std::to_string(i));
  for (int i = 0; i < outputs; ++i) n.outputs.push_back("y" + std::to_string(i));
  n.attrs = std::move(attrs);
  return n;
}

}  // namespace distcnn::kernel_testing
