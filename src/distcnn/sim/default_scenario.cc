#include "distcnn/sim/default_scenario.h"

#include "distcnn/model/paper_tables.h"

namespace distcnn {

RandomSystemOptions AuthorsSystemOptions(int num_units, int num_sources) {
  RandomSystemOptions o;
  o.side_m = 30;
  o.num_units = num_units;
  o.num_sources = num_sources;
  o.num_sinks = 1;
  o.technology = *FindBuiltinTechnology("wifi4");
  o.mix = {{*FindBuiltinDeviceType("orangepizero"), 0.45},
           {*FindBuiltinDeviceType("beagleboneai"), 0.45},
           {*FindBuiltinDeviceType("rpi3bplus"), 0.10}};
  return o;
}

Result<Problem> DefaultProblem(uint64_t seed) {
  constexpr int kCnns = 3;
  ASSIGN_OR_RETURN(RandomSystem drawn, DrawConnectedSystem(AuthorsSystemOptions(50, kCnns), seed));
  Problem p;
  p.name = "default: 3 AlexNets on 50 units (seed " + std::to_string(seed) + ")";
  p.system = std::move(drawn.system);
  p.max_layers_per_unit = 1;
  PaperCnn alexnet;
  FindPaperCnn("alexnet", 0.0, &alexnet);
  for (int c = 0; c < kCnns; ++c) {
    Cnn cnn;
    cnn.name = "alexnet" + std::to_string(c + 1);
    cnn.source = c;
    cnn.sink = 0;
    cnn.input_bytes = alexnet.input_bytes;
    cnn.layers = alexnet.layers;
    cnn.decision_bytes = cnn.layers.back().output_bytes;
    p.cnns.push_back(std::move(cnn));
  }
  RETURN_IF_ERROR(ValidateProblem(p));
  return p;
}

Result<Scenario> DefaultScenario(uint64_t seed) {
  Scenario s;
  ASSIGN_OR_RETURN(s.problem, DefaultProblem(seed));
  s.path = "default (seed " + std::to_string(seed) + ")";
  s.cnn_models.assign(s.problem.cnns.size(), "zoo:alexnet-2class");
  return s;
}

}  // namespace distcnn
