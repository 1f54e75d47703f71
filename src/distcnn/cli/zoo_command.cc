#include "distcnn/cli/zoo_command.h"

#include <cstdio>
#include <iostream>

#include "distcnn/cli/exit_status.h"
#include "distcnn/model/zoo.h"
#ifdef DISTCNN_HAVE_ONNX
#include "distcnn/model/onnx_io.h"
#endif

namespace distcnn {

int RunZooList() {
  for (const ZooEntry& e : ZooEntries()) {
    std::printf("%-15s %9.2f M params  %s\n", e.name.c_str(), e.published_params / 1e6,
                e.description.c_str());
  }
  return 0;
}

int RunZooExport(const ZooFlags& flags) {
  std::string name = flags.name;
  if (name.rfind("zoo:", 0) == 0) name = name.substr(4);
  Result<Graph> graph = BuildZooModel(name, flags.seed);
  if (!graph.ok()) return Fail(graph.status());
#ifdef DISTCNN_HAVE_ONNX
  if (Status s = ExportOnnxFile(*graph, flags.out); !s.ok()) return Fail(s);
  std::cerr << "wrote " << flags.out << " (" << name << ", " << CountParameters(*graph)
            << " parameters)\n";
  return 0;
#else
  return Fail(InvalidArgument("ONNX export needs distcnn built with DISTCNN_WITH_ONNX=ON"));
#endif
}

}  // namespace distcnn
