// Scenario loading: reads a scenario file (YAML, or JSON) as specified in
// shared/spec/scenario.md and docs/scenario.md into a placement Problem. This is
// the only module that sees yaml-cpp; its exceptions are caught here. Every error
// message reads "FILE:LINE: field.path: what is wrong". Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/placement/problem.h"

namespace distcnn {

struct Scenario {
  Problem problem;   // passes ValidateProblem()
  std::string path;  // the file as given to LoadScenarioFile (the display name for text)
  // Per CNN, same index as problem.cnns: the `model:` value ("zoo:cnn5-gc"), or
  // empty when the CNN was given by `layers`.
  std::vector<std::string> cnn_models;
  // True when adjacency is exactly the file's `links`; false when it comes from
  // positions and the technology's range (then every vertex has a position).
  bool has_links = false;
};

// Reads and parses the file at `path`. Errors: kNotFound (no such file), kIoError
// (unreadable), kInvalidArgument (malformed or contradictory scenario). Every
// message starts with `path`.
Result<Scenario> LoadScenarioFile(const std::string& path);

// Parses scenario text; `display_name` stands for the file name in messages and
// in Scenario::path, and its stem is the default problem name. Errors:
// kInvalidArgument.
Result<Scenario> LoadScenarioText(std::string_view text, std::string_view display_name);

}  // namespace distcnn
