// What the YAML readers (scenario and study loaders) share: a node with its
// field path ("units[3].type") and 1-based line, so that every error can name
// the file, the line and the field. Only modules that read YAML include this.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace distcnn {

struct YamlValue {
  YAML::Node node;
  std::string path;  // field path from the document root; empty for the root
  int line = 1;      // 1-based
  int key_line = 0;  // line of its key in the parent mapping (0: none)
};

// The node's 1-based line. Lines of null values are unreliable in yaml-cpp (they
// point at the next token), so a null value, or one without a mark, takes `fallback`.
inline int YamlLine(const YAML::Node& node, int fallback) {
  if (node.IsNull()) return fallback;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? fallback : mark.line + 1;
}

// "a mapping", "a list", ... for messages like "expected a list, got a scalar".
inline const char* YamlKindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

}  // namespace distcnn
