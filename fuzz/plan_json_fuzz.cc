// libFuzzer target: plan JSON (docs/plan-output.md) -> ReadPlan, against two
// scenarios of examples/ (a whole-layer plan with gates and a split plan), then
// Evaluate, as `distcnn run --plan` does: any bytes give a plan that evaluates
// (feasible or with violations) or an error naming the file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/report/plan_json.h"
#include "distcnn/scenario/scenario_loader.h"
#include "fuzz/fuzz_check.h"

namespace {

struct Instance {
  distcnn::Scenario scenario;
  std::unique_ptr<distcnn::CostModel> model;
};

// Built once; a CostModel refers to its problem, so each instance stays put.
const std::vector<std::unique_ptr<Instance>>& Instances() {
  static const auto* instances = [] {
    auto* out = new std::vector<std::unique_ptr<Instance>>;
    for (const char* name : {"paper-gc-cnn.yaml", "split-lenet-tiny.yaml"}) {
      const std::string path = std::string(DISTCNN_SOURCE_DIR) + "/examples/" + name;
      distcnn::Result<distcnn::Scenario> s = distcnn::LoadScenarioFile(path);
      if (!s.ok()) {
        std::fprintf(stderr, "plan_json_fuzz: %s\n", s.status().message().c_str());
        std::abort();
      }
      auto instance = std::make_unique<Instance>(Instance{std::move(*s), nullptr});
      instance->model = std::make_unique<distcnn::CostModel>(instance->scenario.problem);
      out->push_back(std::move(instance));
    }
    return out;
  }();
  return *instances;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  for (const std::unique_ptr<Instance>& instance : Instances()) {
    Result<Plan> plan = ReadPlan(instance->scenario.problem, fuzz::AsText(data, size), "fuzz.json");
    if (!plan.ok()) {
      fuzz::CheckRejection(plan.status(), "fuzz.json");
      continue;
    }
    (void)Evaluate(*instance->model, *plan);
  }
  return 0;
}
