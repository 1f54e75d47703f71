#include "distcnn/scenario/scenario_loader.h"

#include <gtest/gtest.h>

#include <string>

namespace distcnn {
namespace {

// The example of shared/spec/scenario.md, verbatim.
constexpr const char* kSpecExample = R"yaml(
name: fig1                      # optional
max_layers_per_unit: 1          # L; optional, default: no limit (the paper's "C")
objective: sum                  # sum (default, as in the paper) or max over CNNs
cost_convention: paper          # paper (default: Eq. 8) or published-v1 (see below)
technology: wifi4               # built-in name, or {rate_bps: 72.2e6, range_m: 7.5}
device_types:                   # optional: adds to / overrides the built-in catalogue
  my-board: {memory_bytes: 256e6, mults_per_s: 300e6, max_mults: 1e12}   # max_mults optional (no limit)
units:                          # the computing IoT units
  - {id: n01, type: stm32h7, pos: [3.0, 4.5]}
  - {id: n02, type: rpi3bplus, pos: [9.0, 4.5]}
links:                          # optional; when present, adjacency is exactly these
  - [n01, n02]                  # undirected; ids of units, sources or sinks
sources:                        # data-gathering units (they never compute, they may relay)
  - {id: s1, pos: [0, 0]}       # or {id: s1, at: n05}: merged into unit n05 (see rules)
  - {id: s2, pos: [12, 0]}
sinks:                          # decision recipients (never compute, may relay)
  - {id: f, pos: [0, 0]}        # or {id: f, at: n05}
cnns:
  - name: gc6
    source: s1
    sink: f                     # optional when there is exactly one sink
    input_bytes: 9408           # K_s; optional when the model provides it
    decision_bytes: 40          # size sent to the sink at any exit; default: the last layer's output_bytes
    model: zoo:cnn5-gc          # optional: zoo name or path to an .onnx file (relative to this file)
    exits: {GC: 0.99}           # optional: exit probabilities by layer name (needed with `model:`)
    layers:                     # optional when `model` is given; one entry per placeable layer, in order
      - {name: L1, memory_bytes: 19200, mults: 3.81e6, output_bytes: 50176}
      - {name: GC, memory_bytes: 19570180, mults: 4.89e6, output_bytes: 50176, exit_prob: 0.99}
      - {name: L3, memory_bytes: 409600, mults: 20.08e6, output_bytes: 12544}
      - {name: L4, memory_bytes: 4816896, mults: 1.2e6, output_bytes: 1536}
      - {name: L5, memory_bytes: 294912, mults: 0.07e6, output_bytes: 768}
      - {name: L6, memory_bytes: 7680, mults: 0.002e6, output_bytes: 40}
  - name: gc6b                  # a second CNN, from another camera
    source: s2
    model: zoo:cnn5-gc          # same architecture: its first layer can share gc6.L1's weights
    exits: {GC: 0.99}
shared:                         # optional: groups of layers with identical weights, held once
  - [gc6.L1, gc6b.L1]
)yaml";

Scenario MustLoad(const std::string& text, const std::string& name = "test.yaml") {
  Result<Scenario> r = LoadScenarioText(text, name);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : Scenario();
}

std::string ErrorOf(const std::string& text, const std::string& name = "test.yaml") {
  Result<Scenario> r = LoadScenarioText(text, name);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

int VertexOf(const IoTSystem& sys, const std::string& id) {
  for (size_t v = 0; v < sys.vertex_ids.size(); ++v) {
    if (sys.vertex_ids[v] == id) return static_cast<int>(v);
  }
  for (const auto* list : {&sys.sources, &sys.sinks}) {
    for (const Endpoint& e : *list) {
      if (e.id == id) return e.vertex;
    }
  }
  ADD_FAILURE() << "no vertex " << id;
  return 0;
}

TEST(ScenarioLoaderTest, SpecExampleLoads) {
  const Scenario s = MustLoad(kSpecExample, "examples/fig1.yaml");
  const Problem& p = s.problem;
  EXPECT_EQ(s.path, "examples/fig1.yaml");
  EXPECT_EQ(p.name, "fig1");
  EXPECT_EQ(p.max_layers_per_unit, 1);
  EXPECT_EQ(p.objective, Objective::kSum);
  EXPECT_EQ(p.cost_convention, CostConvention::kPaper);
  EXPECT_EQ(p.system.technology.name, "wifi4");
  EXPECT_DOUBLE_EQ(p.system.technology.rate_bps, 72.2e6);
  ASSERT_EQ(p.num_units(), 2);
  EXPECT_EQ(p.system.units[0].type.name, "stm32h7");
  EXPECT_EQ(p.system.units[0].type.memory_bytes, 512 * 1024);
  EXPECT_EQ(p.system.units[1].type.name, "rpi3bplus");
  ASSERT_TRUE(p.system.units[0].pos.has_value());
  EXPECT_DOUBLE_EQ(p.system.units[0].pos->x_m, 3.0);
  EXPECT_DOUBLE_EQ(p.system.units[0].pos->y_m, 4.5);
  EXPECT_EQ(p.system.sources.size(), 2u);
  EXPECT_EQ(p.system.sinks.size(), 1u);
  EXPECT_TRUE(s.has_links);

  // Adjacency is exactly the links: s1 and f sit at the same place but are not
  // linked, and no source reaches a unit (valid; the solver explains it).
  const HopGraph& g = p.system.graph;
  EXPECT_EQ(g.Distance(VertexOf(p.system, "n01"), VertexOf(p.system, "n02")), 1);
  EXPECT_EQ(g.Distance(VertexOf(p.system, "s1"), VertexOf(p.system, "f")), HopGraph::kUnreachable);
  EXPECT_EQ(g.Distance(VertexOf(p.system, "s1"), VertexOf(p.system, "n01")),
            HopGraph::kUnreachable);

  ASSERT_EQ(p.cnns.size(), 2u);
  const Cnn& a = p.cnns[0];
  EXPECT_EQ(a.name, "gc6");
  EXPECT_EQ(a.source, 0);
  EXPECT_EQ(a.sink, 0);
  EXPECT_EQ(a.input_bytes, 9408);
  EXPECT_EQ(a.decision_bytes, 40);
  ASSERT_EQ(a.layers.size(), 6u);
  EXPECT_EQ(a.layers[1].name, "GC");
  EXPECT_EQ(a.layers[1].memory_bytes, 19570180);
  EXPECT_DOUBLE_EQ(a.layers[1].mults, 4.89e6);
  EXPECT_DOUBLE_EQ(a.layers[1].exit_prob, 0.99);
  EXPECT_DOUBLE_EQ(a.layers[0].exit_prob, 0);
  EXPECT_DOUBLE_EQ(a.layers[5].mults, 2000);

  const Cnn& b = p.cnns[1];
  EXPECT_EQ(b.name, "gc6b");
  EXPECT_EQ(b.source, 1);
  EXPECT_EQ(b.sink, 0);             // the only sink
  EXPECT_EQ(b.input_bytes, 9408);   // from the model
  EXPECT_EQ(b.decision_bytes, 40);  // the last layer's output_bytes
  ASSERT_EQ(b.layers.size(), 6u);
  EXPECT_EQ(b.layers[1].name, "GC");
  EXPECT_DOUBLE_EQ(b.layers[1].exit_prob, 0.99);

  ASSERT_EQ(p.shared.size(), 1u);
  EXPECT_EQ(p.shared[0], (std::vector<LayerRef>{{0, 0}, {1, 0}}));
  EXPECT_EQ(s.cnn_models, (std::vector<std::string>{"zoo:cnn5-gc", "zoo:cnn5-gc"}));
  EXPECT_TRUE(ValidateProblem(p).ok());
}

constexpr const char* kMinimal = R"yaml(
technology: wifi4
units:
  - {id: a, type: rpi3bplus, pos: [0, 0]}
  - {id: b, type: rpi3bplus, pos: [7.5, 0]}
  - {id: c, type: rpi3bplus, pos: [15.1, 0]}
sources: [{id: cam, at: a}]
sinks: [{id: out, pos: [0, 1]}]
cnns:
  - name: net
    source: cam
    input_bytes: 100
    layers:
      - {name: l1, memory_bytes: 10, mults: 5, output_bytes: 20}
      - {name: l2, memory_bytes: 10, mults: 5, output_bytes: 7}
)yaml";

TEST(ScenarioLoaderTest, Defaults) {
  const Scenario s = MustLoad(kMinimal, "dir/my-scenario.yaml");
  const Problem& p = s.problem;
  EXPECT_EQ(p.name, "my-scenario");     // the file's stem
  EXPECT_EQ(p.max_layers_per_unit, 0);  // no limit
  EXPECT_EQ(p.objective, Objective::kSum);
  EXPECT_EQ(p.cost_convention, CostConvention::kPaper);
  EXPECT_FALSE(s.has_links);
  ASSERT_EQ(p.cnns.size(), 1u);
  EXPECT_EQ(p.cnns[0].sink, 0);            // the only sink
  EXPECT_EQ(p.cnns[0].decision_bytes, 7);  // the last layer's output
  EXPECT_DOUBLE_EQ(p.cnns[0].layers[0].exit_prob, 0);
  EXPECT_EQ(s.cnn_models, std::vector<std::string>{""});
}

TEST(ScenarioLoaderTest, AdjacencyFromRangeAndCoLocation) {
  const Scenario s = MustLoad(kMinimal);
  const IoTSystem& sys = s.problem.system;
  const HopGraph& g = sys.graph;
  const int a = VertexOf(sys, "a"), b = VertexOf(sys, "b"), c = VertexOf(sys, "c");
  EXPECT_EQ(g.Distance(a, b), 1);                       // exactly at range: adjacent
  EXPECT_EQ(g.Distance(b, c), HopGraph::kUnreachable);  // 7.6 m: out of range
  // The source is merged into unit a: same vertex, hop distance 0, same position.
  ASSERT_EQ(sys.sources.size(), 1u);
  EXPECT_EQ(sys.sources[0].vertex, a);
  EXPECT_EQ(sys.sources[0].at_unit, 0);
  ASSERT_TRUE(sys.sources[0].pos.has_value());
  EXPECT_DOUBLE_EQ(sys.sources[0].pos->x_m, 0);
  EXPECT_EQ(g.Distance(VertexOf(sys, "cam"), a), 0);
  EXPECT_EQ(g.Distance(VertexOf(sys, "out"), a), 1);
  EXPECT_EQ(g.Distance(VertexOf(sys, "out"), b), 2);  // hypot(7.5, 1) > 7.5: via a
}

TEST(ScenarioLoaderTest, LinksReplaceRange) {
  const std::string text = R"yaml(
technology: {rate_bps: 1e6}
units:
  - {id: a, type: rpi3bplus, pos: [0, 0]}
  - {id: b, type: rpi3bplus, pos: [1, 0]}
  - {id: c, type: rpi3bplus}
sources: [{id: cam, at: b}]
sinks: [{id: out}]
links: [[a, c], [cam, out]]
cnns:
  - {name: net, source: cam, input_bytes: 1,
     layers: [{name: l1, memory_bytes: 1, mults: 1, output_bytes: 1}]}
)yaml";
  const Scenario s = MustLoad(text);
  const IoTSystem& sys = s.problem.system;
  const HopGraph& g = sys.graph;
  EXPECT_TRUE(s.has_links);
  EXPECT_EQ(sys.technology.name, "custom");
  EXPECT_DOUBLE_EQ(sys.technology.rate_bps, 1e6);
  // a and b are 1 m apart but not linked; cam (at b) is linked to out.
  EXPECT_EQ(g.Distance(VertexOf(sys, "a"), VertexOf(sys, "b")), HopGraph::kUnreachable);
  EXPECT_EQ(g.Distance(VertexOf(sys, "a"), VertexOf(sys, "c")), 1);
  EXPECT_EQ(g.Distance(VertexOf(sys, "b"), VertexOf(sys, "out")), 1);
}

TEST(ScenarioLoaderTest, QuantitiesWithUnits) {
  const std::string text = R"yaml(
max_layers_per_unit: 3
objective: max
cost_convention: published-v1
technology: {rate_bps: "72.2 Mbit/s", range_m: "750 cm"}
device_types:
  board: {memory_bytes: "512 KiB", mults_per_s: "300 M mult/s", max_mults: "1 G"}
  jetson: {memory_bytes: 2 GiB}          # override one field of a built-in
units:
  - {id: a, type: board, pos: ["3 m", 4.5]}
  - {id: b, type: jetson, pos: [0, "0.5e1"]}
sources: [{id: cam, pos: [0, 0]}]
sinks: [{id: out, at: a}]
cnns:
  - name: net
    source: cam
    input_bytes: "1.2 MB"
    decision_bytes: 8 B
    exits: {l1: 25 %}
    layers:
      - {name: l1, memory_bytes: "19.2 kB", mults: "105.42 M", output_bytes: "256e6"}
      - {name: l2, memory_bytes: 1.5 KiB, mults: 3e3, output_bytes: 4}
)yaml";
  const Scenario s = MustLoad(text);
  const Problem& p = s.problem;
  EXPECT_EQ(p.max_layers_per_unit, 3);
  EXPECT_EQ(p.objective, Objective::kMax);
  EXPECT_EQ(p.cost_convention, CostConvention::kPublishedV1);
  EXPECT_DOUBLE_EQ(p.system.technology.rate_bps, 72.2e6);
  EXPECT_DOUBLE_EQ(p.system.technology.range_m, 7.5);
  const DeviceType& board = p.system.units[0].type;
  EXPECT_EQ(board.memory_bytes, 512 * 1024);
  EXPECT_DOUBLE_EQ(board.mults_per_s, 300e6);
  EXPECT_DOUBLE_EQ(board.max_mults, 1e9);
  const DeviceType& jetson = p.system.units[1].type;
  EXPECT_EQ(jetson.memory_bytes, 2LL * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(jetson.mults_per_s, 5000e6);  // kept from the built-in
  EXPECT_DOUBLE_EQ(p.system.units[0].pos->x_m, 3);
  EXPECT_DOUBLE_EQ(p.system.units[1].pos->y_m, 5);
  const Cnn& c = p.cnns[0];
  EXPECT_EQ(c.input_bytes, 1200000);
  EXPECT_EQ(c.decision_bytes, 8);
  EXPECT_EQ(c.layers[0].memory_bytes, 19200);
  EXPECT_DOUBLE_EQ(c.layers[0].mults, 105.42e6);
  EXPECT_EQ(c.layers[0].output_bytes, 256000000);
  EXPECT_DOUBLE_EQ(c.layers[0].exit_prob, 0.25);
  EXPECT_EQ(c.layers[1].memory_bytes, 1536);
}

TEST(ScenarioLoaderTest, ZooModelsAreProfiled) {
  const std::string text = R"yaml(
technology: halow
units: [{id: a, type: jetson, pos: [0, 0]}]
sources: [{id: cam, at: a}]
sinks: [{id: out, at: a}]
cnns:
  - {name: plain, source: cam, model: zoo:cnn5}
  - {name: alex, source: cam, model: "zoo:alexnet-2class"}
  - {name: alexgc, source: cam, model: zoo:alexnet-gc, exits: {gc1: 0.772}, input_bytes: 1000}
)yaml";
  const Scenario s = MustLoad(text);
  const Problem& p = s.problem;
  ASSERT_EQ(p.cnns.size(), 3u);
  EXPECT_EQ(p.cnns[0].layers.size(), 5u);
  EXPECT_EQ(p.cnns[0].input_bytes, 9408);
  EXPECT_EQ(p.cnns[0].layers[0].output_bytes, 50176);
  EXPECT_EQ(p.cnns[1].layers.size(), 7u);
  EXPECT_EQ(p.cnns[1].input_bytes, 227 * 227 * 3 * 4);  // exact (printed 618.35 KB)
  EXPECT_EQ(p.cnns[2].layers.size(), 8u);
  EXPECT_EQ(p.cnns[2].input_bytes, 1000);  // the file wins over the model
  EXPECT_EQ(p.cnns[2].layers[2].name, "gc1");
  EXPECT_DOUBLE_EQ(p.cnns[2].layers[2].exit_prob, 0.772);
  EXPECT_EQ(s.cnn_models[1], "zoo:alexnet-2class");
}

TEST(ScenarioLoaderTest, JsonInput) {
  const std::string text = R"json({
	"name": "json-case",
	"technology": {"rate_bps": 7.2e6, "range_m": 7.5},
	"units": [{"id": "a", "type": "stm32h7", "pos": [0, 0]},
	          {"id": "b", "type": "odroidc2", "pos": [5, 0]}],
	"sources": [{"id": "s", "pos": [0, 5]}],
	"sinks": [{"id": "f", "at": "b"}],
	"cnns": [{"name": "net", "source": "s", "sink": "f", "input_bytes": 9408,
	          "layers": [{"name": "l1", "memory_bytes": "19.2 kB", "mults": 3.81e6,
	                      "output_bytes": 50176, "exit_prob": 0.5},
	                     {"name": "l2", "memory_bytes": 1, "mults": 1, "output_bytes": 40}]}]
})json";
  const Scenario s = MustLoad(text, "case.json");
  EXPECT_EQ(s.problem.name, "json-case");
  EXPECT_EQ(s.problem.num_units(), 2);
  EXPECT_EQ(s.problem.cnns[0].layers[0].memory_bytes, 19200);
  EXPECT_DOUBLE_EQ(s.problem.cnns[0].layers[0].exit_prob, 0.5);
  EXPECT_EQ(s.problem.system.sinks[0].at_unit, 1);

  const std::string bad = ErrorOf(R"json({
  "technology": "wifi4",
  "units": [{"id": "a", "type": "rpi5", "pos": [0, 0]}]
})json",
                                  "bad.json");
  EXPECT_EQ(bad.rfind("bad.json:3: units[0].type: unknown device type 'rpi5'", 0), 0) << bad;
}

TEST(ScenarioLoaderTest, ErrorsNameFileLineAndField) {
  std::string e = ErrorOf(R"yaml(technology: wifi4
units:
  - {id: a, type: stm32h7, pos: [0, 0]}
  - {id: b, type: rpi5, pos: [0, 0]}
)yaml",
                          "s.yaml");
  EXPECT_EQ(e.rfind("s.yaml:4: units[1].type: unknown device type 'rpi5' (known: stm32h7, ", 0), 0)
      << e;

  e = ErrorOf("max_layer_per_unit: 2\n", "s.yaml");
  EXPECT_EQ(e,
            "s.yaml:1: max_layer_per_unit: unknown field 'max_layer_per_unit' (did you mean "
            "'max_layers_per_unit'?)");

  e = ErrorOf("units: [a, b\n", "s.yaml");
  EXPECT_EQ(e.rfind("s.yaml:2: YAML syntax error: ", 0), 0) << e;
}

TEST(ScenarioLoaderTest, ModelAndLayersMustAgree) {
  const std::string e = ErrorOf(R"yaml(technology: wifi4
units: [{id: a, type: jetson, pos: [0, 0]}]
sources: [{id: cam, at: a}]
sinks: [{id: out, at: a}]
cnns:
  - name: net
    source: cam
    model: zoo:cnn5
    layers:
      - {name: L1, memory_bytes: 1, mults: 1, output_bytes: 1}
      - {name: L2, memory_bytes: 1, mults: 1, output_bytes: 1}
      - {name: L4, memory_bytes: 1, mults: 1, output_bytes: 1}
      - {name: L5, memory_bytes: 1, mults: 1, output_bytes: 1}
      - {name: L6, memory_bytes: 1, mults: 1, output_bytes: 1}
)yaml");
  EXPECT_NE(e.find(":11: cnns[0].layers[1]: layer 'L2' is not layer 1 of zoo:cnn5 ('L3')"),
            std::string::npos)
      << e;
}

TEST(ScenarioLoaderTest, FileErrors) {
  Result<Scenario> r = LoadScenarioFile("no/such/scenario.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message().rfind("no/such/scenario.yaml: ", 0), 0) << r.status().message();
}

}  // namespace
}  // namespace distcnn
