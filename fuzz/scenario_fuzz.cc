// libFuzzer target: scenario text (YAML or JSON) -> LoadScenarioText. Any bytes
// give a Problem that passes ValidateProblem or an error naming the file; an
// accepted scenario must also evaluate without crashing (the empty plan and the
// all-on-the-first-unit assignment). Models named by `model:` are zoo models
// (keep_weights off) or files, read relative to the working directory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/scenario/scenario_loader.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  Result<Scenario> scenario = LoadScenarioText(fuzz::AsText(data, size), "fuzz.yaml");
  if (!scenario.ok()) {
    fuzz::CheckRejection(scenario.status(), "fuzz.yaml");
    return 0;
  }
  if (Status s = ValidateProblem(scenario->problem); !s.ok()) {
    std::fprintf(stderr, "accepted scenario fails ValidateProblem: %s\n", s.message().c_str());
    std::abort();
  }
  const CostModel model(scenario->problem);
  Assignment first_unit;
  for (const Cnn& cnn : scenario->problem.cnns) {
    first_unit.unit.push_back(std::vector<int>(cnn.layers.size(), 0));
  }
  (void)Evaluate(model, first_unit);
  return 0;
}
