// MakeSolver(): the one place that knows every solver backend.
#include <memory>

#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/solver.h"

namespace distcnn {

Result<std::unique_ptr<Solver>> MakeSolver(std::string_view name) {
  if (name == "brute") return std::unique_ptr<Solver>(std::make_unique<BruteSolver>());
  return InvalidArgument("unknown solver '" + std::string(name) + "' (expected exact, milp or brute)");
}

}  // namespace distcnn
