// MakeSolver(): the one place that knows every solver backend.
#include <memory>

#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/exact/exact_solver.h"
#ifdef DISTCNN_HAVE_CBC
#include "distcnn/placement/milp/milp_solver.h"
#endif
#include "distcnn/placement/solver.h"

namespace distcnn {

Result<std::unique_ptr<Solver>> MakeSolver(std::string_view name) {
  if (name == "exact") return std::unique_ptr<Solver>(std::make_unique<ExactSolver>());
  if (name == "brute") return std::unique_ptr<Solver>(std::make_unique<BruteSolver>());
#ifdef DISTCNN_HAVE_CBC
  if (name == "milp") return std::unique_ptr<Solver>(std::make_unique<MilpSolver>());
#endif
  return InvalidArgument("unknown solver '" + std::string(name) +
                         "' (expected exact, milp or brute)");
}

}  // namespace distcnn
