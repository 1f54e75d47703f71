#include "distcnn/placement/testing/line_problem.h"

#include "distcnn/system/system_builder.h"

namespace distcnn {

Problem LineTestProblem(int64_t unit_memory_bytes) {
  SystemSpec spec;
  spec.technology = {"test", 8, 1};
  spec.units = {{"u0", {"fast", unit_memory_bytes, 10}, std::nullopt},
                {"u1", {"slow", unit_memory_bytes, 1}, std::nullopt},
                {"u2", {"fast", unit_memory_bytes, 10}, std::nullopt}};
  spec.sources = {{"s", std::nullopt, std::nullopt}};
  spec.sinks = {{"f", std::nullopt, std::nullopt}, {"f2", std::nullopt, std::string("u2")}};
  spec.links = std::vector<std::pair<std::string, std::string>>{
      {"s", "u0"}, {"u0", "u1"}, {"u1", "u2"}, {"u2", "f"}};
  Problem p;
  p.name = "line";
  p.system = std::move(BuildSystem(spec)).value();
  Cnn c;
  c.name = "c";
  c.input_bytes = 3;
  c.decision_bytes = 2;
  c.layers = {{"A", 10, 20, 5, 0.5}, {"B", 10, 30, 7, 0}};
  p.cnns = {c};
  return p;
}

// docs/cost-model.md, "Worked example": u0 (100e6 mults/s) holds the source
// and the sink, u1 (300e6) is one hop away; one byte costs 1 us per hop.
Problem SplitWorkedExampleProblem() {
  SystemSpec spec;
  spec.technology = {"test", 8e6, 1};
  spec.units = {{"u0", {"slow", 1 << 20, 100e6}, std::nullopt},
                {"u1", {"fast", 1 << 20, 300e6}, std::nullopt}};
  spec.sources = {{"s", std::nullopt, std::string("u0")}};
  spec.sinks = {{"f", std::nullopt, std::string("u0")}};
  spec.links = std::vector<std::pair<std::string, std::string>>{{"u0", "u1"}};
  Problem p;
  p.name = "worked";
  p.system = std::move(BuildSystem(spec)).value();
  Cnn c;
  c.name = "c";
  c.input_bytes = 1000;
  c.decision_bytes = 10;
  LayerSplit s;
  s.out_units = 8;
  s.out_part_memory_bytes = 8000;  // 1,000 bytes per filter
  s.out_part_mults = 8e6;
  s.out_part_output_bytes = 800;
  s.input_bytes = 1000;
  c.layers = {Layer{"conv", 8000, 8e6, 800, 0, s}};
  c.partitioning = {{PartitionKind::kOutChannels}, 2, 4};
  p.cnns = {c};
  return p;
}

}  // namespace distcnn
