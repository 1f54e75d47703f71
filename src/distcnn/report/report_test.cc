#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "distcnn/model/paper_tables.h"
#include "distcnn/placement/brute/brute_solver.h"
#include "distcnn/placement/testing/line_problem.h"
#include "distcnn/placement/testing/random_problem.h"
#include "distcnn/report/plan_json.h"
#include "distcnn/report/plan_svg.h"
#include "distcnn/report/plan_text.h"
#include "distcnn/system/random_system.h"
#include "distcnn/system/system_builder.h"

namespace distcnn {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kFirstSeed = 1;
constexpr uint64_t kNumSeeds = 40;

RandomProblemOptions SmallOptions() {
  RandomProblemOptions o;
  o.min_units = 2;
  o.max_units = 5;
  o.max_cnns = 2;
  o.max_layers = 3;
  return o;
}

// Hop-graph vertex of any id: units, relays, and sources/sinks (merged ones too).
std::map<std::string, int> VertexOfId(const IoTSystem& sys) {
  std::map<std::string, int> out;
  for (int v = 0; v < static_cast<int>(sys.vertex_ids.size()); ++v) out[sys.vertex_ids[v]] = v;
  for (const Endpoint& e : sys.sources) out[e.id] = e.vertex;
  for (const Endpoint& e : sys.sinks) out[e.id] = e.vertex;
  return out;
}

bool IsNumber(const Json& j) { return j.is_number(); }

// Minimal well-formedness check: every tag closes in order, no stray '<' or '&'.
std::string XmlProblem(const std::string& s) {
  std::vector<std::string> stack;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '&') {
      const size_t semi = s.find(';', i);
      if (semi == std::string::npos || semi - i > 8) return "stray & at " + std::to_string(i);
      i = semi + 1;
      continue;
    }
    if (s[i] != '<') {
      ++i;
      continue;
    }
    if (s.compare(i, 2, "<?") == 0) {
      const size_t e = s.find("?>", i);
      if (e == std::string::npos) return "unclosed <?";
      i = e + 2;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      const size_t e = s.find("-->", i);
      if (e == std::string::npos) return "unclosed comment";
      i = e + 3;
      continue;
    }
    size_t e = i + 1;
    char quote = 0;
    while (e < s.size() && (quote || s[e] != '>')) {
      if (s[e] == '<' && !quote) return "'<' inside a tag at " + std::to_string(e);
      if (quote && s[e] == quote) {
        quote = 0;
      } else if (!quote && (s[e] == '"' || s[e] == '\'')) {
        quote = s[e];
      }
      ++e;
    }
    if (e >= s.size()) return "unclosed tag at " + std::to_string(i);
    std::string tag = s.substr(i + 1, e - i - 1);
    if (!tag.empty() && tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return "mismatched </" + name + ">";
      stack.pop_back();
    } else if (!tag.empty() && tag.back() == '/') {
      // self-closing
    } else {
      stack.push_back(tag.substr(0, tag.find_first_of(" \t\n")));
    }
    i = e + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  return "";
}

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

void MaybeWrite(const std::string& name, const std::string& content) {
  const char* dir = std::getenv("DISTCNN_SVG_OUT");
  if (dir == nullptr) return;
  std::ofstream(std::string(dir) + "/" + name) << content;
}

void CheckPlanJson(const Problem& p, const CostModel& model, const SolveResult& r,
                   const Json& doc) {
  ASSERT_EQ(doc["format_version"], 1);
  ASSERT_TRUE(doc["status"].is_string());
  EXPECT_TRUE(doc["solver"].is_string());
  EXPECT_TRUE(IsNumber(doc["solve_time_s"]));
  EXPECT_TRUE(doc.contains("bound_s"));
  EXPECT_TRUE(doc.contains("gap"));
  EXPECT_EQ(doc["objective"], ObjectiveName(p.objective));
  EXPECT_EQ(doc["cost_convention"], CostConventionName(p.cost_convention));
  {
    // topology: every unit, every radio link once, between adjacent vertices.
    const Json& topology = doc["topology"];
    ASSERT_EQ(topology["units"].size(), p.system.units.size());
    ASSERT_EQ(static_cast<int>(topology["links"].size()), p.system.graph.num_edges());
    const std::map<std::string, int> vertex = VertexOfId(p.system);
    for (const Json& link : topology["links"]) {
      ASSERT_EQ(link.size(), 2u);
      EXPECT_EQ(p.system.graph.Distance(vertex.at(link[0]), vertex.at(link[1])), 1) << link;
    }
  }
  if (r.status == SolveStatus::kInfeasible) {
    EXPECT_EQ(doc["status"], "infeasible");
    EXPECT_TRUE(doc["latency_s"].is_null());
    EXPECT_TRUE(doc["reason"].is_string());
    EXPECT_FALSE(doc["reason"].get<std::string>().empty());
    EXPECT_FALSE(doc.contains("cnns"));
    EXPECT_FALSE(doc.contains("units"));
    return;
  }
  ASSERT_TRUE(r.plan.has_value());
  const Evaluation ev = Evaluate(model, *r.plan);
  ASSERT_TRUE(IsNumber(doc["latency_s"]));
  EXPECT_DOUBLE_EQ(doc["latency_s"].get<double>(), ev.objective_s);
  ASSERT_TRUE(IsNumber(doc["bound_s"]));
  EXPECT_LE(doc["bound_s"].get<double>(), ev.objective_s);
  EXPECT_FALSE(doc.contains("reason"));
  const std::map<std::string, int> vertex = VertexOfId(p.system);
  const IoTSystem& sys = p.system;
  ASSERT_TRUE(doc["cnns"].is_object());
  ASSERT_EQ(doc["cnns"].size(), p.cnns.size());
  for (int c = 0; c < static_cast<int>(p.cnns.size()); ++c) {
    const Cnn& cnn = p.cnns[c];
    SCOPED_TRACE("cnn " + cnn.name);
    const Json& jc = doc["cnns"][cnn.name];
    const CnnLatency& lat = ev.cnns[c];
    EXPECT_DOUBLE_EQ(jc["latency_s"].get<double>(), lat.total_s());
    EXPECT_DOUBLE_EQ(jc["transmission_s"].get<double>(), lat.transmission_s());
    EXPECT_DOUBLE_EQ(jc["processing_s"].get<double>(), lat.processing_s);
    EXPECT_DOUBLE_EQ(jc["terms"]["source_s"].get<double>(), lat.source_s);
    EXPECT_DOUBLE_EQ(jc["terms"]["links_s"].get<double>(), lat.links_s);
    EXPECT_DOUBLE_EQ(jc["terms"]["processing_s"].get<double>(), lat.processing_s);
    EXPECT_DOUBLE_EQ(jc["terms"]["sink_s"].get<double>(), lat.sink_s);
    ASSERT_EQ(jc["assignment"].size(), cnn.layers.size());
    const std::vector<int> unit = r.plan->ToAssignment().unit[c];
    for (size_t j = 0; j < cnn.layers.size(); ++j) {
      EXPECT_EQ(jc["assignment"][cnn.layers[j].name], sys.units[unit[j]].id);
    }
    // Expected routes: every transfer with at least one hop.
    struct Want {
      std::string from, to;
      int hops;
    };
    std::vector<Want> want;
    const int m = static_cast<int>(cnn.layers.size());
    const int src = sys.sources[cnn.source].vertex;
    const int snk = sys.sinks[cnn.sink].vertex;
    if (sys.graph.Distance(src, unit[0]) > 0) {
      want.push_back(
          {sys.sources[cnn.source].id, sys.units[unit[0]].id, sys.graph.Distance(src, unit[0])});
    }
    for (int j = 0; j < m; ++j) {
      const bool exit = j == m - 1 || cnn.layers[j].exit_prob > 0;
      if (exit && sys.graph.Distance(unit[j], snk) > 0) {
        want.push_back(
            {sys.units[unit[j]].id, sys.sinks[cnn.sink].id, sys.graph.Distance(unit[j], snk)});
      }
      if (j + 1 < m && unit[j] != unit[j + 1]) {
        want.push_back({sys.units[unit[j]].id, sys.units[unit[j + 1]].id,
                        sys.graph.Distance(unit[j], unit[j + 1])});
      }
    }
    const Json& routes = jc["routes"];
    ASSERT_TRUE(routes.is_array());
    ASSERT_EQ(routes.size(), want.size());
    for (size_t k = 0; k < want.size(); ++k) {
      const Json& route = routes[k];
      EXPECT_EQ(route["from"], want[k].from);
      EXPECT_EQ(route["to"], want[k].to);
      const Json& path = route["path"];
      ASSERT_TRUE(path.is_array());
      ASSERT_EQ(static_cast<int>(path.size()), want[k].hops + 1);
      EXPECT_EQ(route["hops"], want[k].hops);
      EXPECT_EQ(path.front(), want[k].from);
      EXPECT_EQ(path.back(), want[k].to);
      for (size_t h = 0; h + 1 < path.size(); ++h) {
        ASSERT_TRUE(vertex.count(path[h].get<std::string>()));
        ASSERT_TRUE(vertex.count(path[h + 1].get<std::string>()));
        EXPECT_EQ(sys.graph.Distance(vertex.at(path[h]), vertex.at(path[h + 1])), 1)
            << path[h] << " -> " << path[h + 1];
      }
    }
  }
  // Units: exactly those holding a layer, with the evaluator's loads.
  int busy = 0;
  for (int i = 0; i < p.num_units(); ++i) {
    const UnitLoad& load = ev.loads[i];
    if (load.layers.empty()) {
      EXPECT_FALSE(doc["units"].contains(sys.units[i].id));
      continue;
    }
    ++busy;
    const Json& ju = doc["units"][sys.units[i].id];
    ASSERT_EQ(ju["layers"].size(), load.layers.size());
    for (size_t k = 0; k < load.layers.size(); ++k) {
      EXPECT_EQ(ju["layers"][k], p.LayerName(load.layers[k]));
    }
    EXPECT_TRUE(ju["memory_bytes"].is_number_integer());
    EXPECT_EQ(ju["memory_bytes"].get<int64_t>(), load.memory_bytes);
    EXPECT_DOUBLE_EQ(ju["mults"].get<double>(), load.mults);
  }
  EXPECT_EQ(static_cast<int>(doc["units"].size()), busy);
}

TEST(PlanJson, RandomProblemsSolvedByBrute) {
  int with_plan = 0, infeasible = 0;
  for (uint64_t seed = kFirstSeed; seed < kFirstSeed + kNumSeeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem p = RandomProblem(seed, SmallOptions());
    const CostModel model(p);
    BruteSolver brute;
    const SolveResult r = brute.Solve(model, {});
    if (r.status == SolveStatus::kNoSolution) continue;
    const std::string text = PlanJson(
        model, r, r.status == SolveStatus::kInfeasible ? "no unit can hold the layers" : "");
    const Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(doc.is_discarded()) << text;
    CheckPlanJson(p, model, r, doc);
    if (HasFatalFailure()) return;
    (r.status == SolveStatus::kInfeasible ? infeasible : with_plan) += 1;
    // Compact form parses to the same document.
    EXPECT_EQ(Json::parse(PlanJson(model, r, "", -1)).dump(),
              Json::parse(PlanJson(model, r)).dump());
  }
  EXPECT_GT(with_plan, 10);
}

// s - u0 - u1 - u2 - f in a line; sink f2 merged at u2.
TEST(PlanJson, HandBuiltRoutesAndMergedSink) {
  Problem p = LineTestProblem(100);
  p.cnns[0].sink = 1;  // f2, merged at u2
  const CostModel model(p);
  SolveResult r;
  r.status = SolveStatus::kFeasible;
  r.solver = "hand";
  r.plan = Plan::Whole(p, Assignment{{{0, 2}}});  // A on u0, B on u2
  FinishWithEvaluation(model, r);
  const Json doc = Json::parse(PlanJson(model, r));
  const Json& routes = doc["cnns"]["c"]["routes"];
  // s->u0 (1 hop), exit A u0->f2 (2 hops, ends at the merged sink's own id),
  // link u0->u2 (2 hops); B's exit to f2 is zero hops and not listed.
  ASSERT_EQ(routes.size(), 3u) << routes.dump();
  EXPECT_EQ(routes[0]["path"], Json({"s", "u0"}));
  EXPECT_EQ(routes[0]["kind"], "source");
  EXPECT_EQ(routes[1]["path"], Json({"u0", "u1", "f2"}));
  EXPECT_EQ(routes[1]["kind"], "exit");
  EXPECT_DOUBLE_EQ(routes[1]["prob"].get<double>(), 0.5);
  EXPECT_EQ(routes[2]["path"], Json({"u0", "u1", "u2"}));
  EXPECT_EQ(routes[2]["from_layer"], "A");
  EXPECT_EQ(routes[2]["to_layer"], "B");
  EXPECT_EQ(doc["status"], "feasible");
  EXPECT_EQ(doc["units"].size(), 2u);
  // The radio system: every unit, the merged sink, each link once (lower vertex first).
  const Json& topology = doc["topology"];
  EXPECT_EQ(topology["technology"], "test");
  EXPECT_DOUBLE_EQ(topology["rate_bps"].get<double>(), 8);
  EXPECT_EQ(topology["units"], Json({"u0", "u1", "u2"}));
  EXPECT_EQ(topology["at"], Json({{"f2", "u2"}}));
  EXPECT_EQ(topology["links"], Json::parse(R"([["u0","u1"],["u0","s"],["u1","u2"],["u2","f"]])"));
}

TEST(PlanReport, InfeasibleHasReason) {
  const Problem p = LineTestProblem(5);  // layers need 10 bytes, units hold 5
  const CostModel model(p);
  BruteSolver brute;
  const SolveResult r = brute.Solve(model, {});
  ASSERT_EQ(r.status, SolveStatus::kInfeasible);
  const std::string reason = "layer c.A (10 bytes) fits on no unit";
  const Json doc = Json::parse(PlanJson(model, r, reason));
  EXPECT_EQ(doc["status"], "infeasible");
  EXPECT_EQ(doc["reason"], reason);
  EXPECT_TRUE(doc["latency_s"].is_null());
  EXPECT_FALSE(doc.contains("cnns"));
  EXPECT_FALSE(doc.contains("units"));
  EXPECT_EQ(doc["topology"]["links"].size(), 4u);  // the system is described without a plan too

  const std::string text = PlanText(model, r, reason);
  EXPECT_NE(text.find("Status     infeasible"), std::string::npos) << text;
  EXPECT_NE(text.find("Reason     " + reason), std::string::npos) << text;

  const std::string svg = PlanSvg(model, r, reason);
  EXPECT_EQ(XmlProblem(svg), "");
  EXPECT_NE(svg.find("infeasible"), std::string::npos);
  EXPECT_EQ(Count(svg, "class=\"unit\""), 3);
}

TEST(PlanText, KeyLines) {
  const Problem p = LineTestProblem(100);
  const CostModel model(p);
  BruteSolver brute;
  const SolveResult r = brute.Solve(model, {});
  ASSERT_EQ(r.status, SolveStatus::kOptimal);
  const std::string text = PlanText(model, r);
  for (const char* key :
       {"Plan for scenario 'line'", "units 3, CNNs 1, L unlimited, objective sum",
        "Status     optimal", "Objective  ", "Bound      ", "Gap        0.00 %", "Solver     brute",
        "CNN c: ", "layer", "hops in", "breakdown (ms): source ", "transmission ", "Units",
        "memory used / limit"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
  const Evaluation ev = Evaluate(model, *r.plan);
  char total[64];
  std::snprintf(total, sizeof total, "total %.3f", ev.objective_s * 1e3);
  EXPECT_NE(text.find(total), std::string::npos) << text;
  EXPECT_EQ(text.find('\t'), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);  // no colour
}

TEST(PlanSvg, RandomProblemsWellFormed) {
  for (uint64_t seed = kFirstSeed; seed < kFirstSeed + kNumSeeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Problem p = RandomProblem(seed, SmallOptions());
    p.system.units[0].id = "u<&\"'>";  // ids must be escaped
    const CostModel model(p);
    BruteSolver brute;
    const SolveResult r = brute.Solve(model, {});
    const std::string svg = PlanSvg(model, r);
    EXPECT_EQ(XmlProblem(svg), "");
    EXPECT_EQ(Count(svg, "class=\"unit\""), p.num_units());
    EXPECT_EQ(Count(svg, "class=\"source\""), static_cast<int>(p.system.sources.size()));
    EXPECT_EQ(Count(svg, "class=\"sink\""), static_cast<int>(p.system.sinks.size()));
    EXPECT_NE(svg.find("u&lt;&amp;&quot;&apos;&gt;"), std::string::npos);
    if (seed == kFirstSeed) MaybeWrite("random.svg", svg);
  }
}

TEST(PlanSvg, LayoutDeterministicAndSchematicWithoutPositions) {
  const Problem p = RandomProblem(7, SmallOptions());  // every position is (0, 0)
  const VertexLayout a = ComputeVertexLayout(p.system);
  const VertexLayout b = ComputeVertexLayout(p.system);
  EXPECT_FALSE(a.metric);
  ASSERT_EQ(a.pos.size(), static_cast<size_t>(p.system.graph.num_vertices()));
  for (size_t v = 0; v < a.pos.size(); ++v) {
    EXPECT_EQ(a.pos[v].x_m, b.pos[v].x_m);
    EXPECT_EQ(a.pos[v].y_m, b.pos[v].y_m);
  }
  // A larger schematic system without a plan: the drawing still shows it.
  RandomProblemOptions big;
  big.min_units = 12;
  big.max_units = 12;
  const Problem q = RandomProblem(5, big);
  const CostModel model(q);
  SolveResult none;
  none.solver = "none";
  none.note = "time limit hit before any plan was found";
  const std::string svg = PlanSvg(model, none);
  EXPECT_EQ(XmlProblem(svg), "");
  EXPECT_EQ(Count(svg, "class=\"unit\""), 12);
  EXPECT_EQ(Count(svg, "class=\"cnn\""), 0);
  EXPECT_NE(svg.find("no_solution"), std::string::npos);
  MaybeWrite("schematic.svg", svg);
}

// A system like the paper's Figure 1b: STM32H7 and Odroid-C2 units in an area,
// the source and the sink sharing a unit; the 6-layer gate-classification CNN.
Problem FigureLikeProblem() {
  RandomSystemOptions o;
  o.side_m = 16;
  o.num_units = 11;
  o.mix = {{*FindBuiltinDeviceType("stm32h7"), 0.6}, {*FindBuiltinDeviceType("odroidc2"), 0.4}};
  o.technology = *FindBuiltinTechnology("wifi4");
  RandomSystem drawn = std::move(DrawConnectedSystem(o, 3)).value();
  SystemSpec spec = drawn.spec;
  for (size_t i = 0; i < spec.units.size(); ++i) {
    spec.units[i].id = (i + 1 < 10 ? "n0" : "n") + std::to_string(i + 1);
  }
  spec.sources[0] = {"s", std::nullopt, spec.units[4].id};
  spec.sinks[0] = {"f", std::nullopt, spec.units[4].id};
  Problem p;
  p.name = "figure-2-like";
  p.system = std::move(BuildSystem(spec)).value();
  PaperCnn gc;
  EXPECT_TRUE(FindPaperCnn("cnn5-gc", 0.99, &gc));
  Cnn c;
  c.name = "gc6";
  c.input_bytes = gc.input_bytes;
  c.layers = gc.layers;
  c.decision_bytes = c.layers.back().output_bytes;
  p.cnns = {c};
  p.max_layers_per_unit = 1;
  return p;
}

TEST(PlanSvg, FigureLikeScenario) {
  const Problem p = FigureLikeProblem();
  const CostModel model(p);
  BruteSolver brute;
  const SolveResult r = brute.Solve(model, {});
  ASSERT_TRUE(r.plan.has_value()) << r.note;
  const std::string svg = PlanSvg(model, r);
  EXPECT_EQ(XmlProblem(svg), "");
  EXPECT_NE(svg.find("class=\"scale\""), std::string::npos);
  EXPECT_EQ(Count(svg, "class=\"unit\""), 11);
  EXPECT_NE(svg.find("exit 0.99"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray=\"6 4\""), std::string::npos);
  MaybeWrite("figure2.svg", svg);
  MaybeWrite("figure2.txt", PlanText(model, r));
  MaybeWrite("figure2.json", PlanJson(model, r));
}

// Two CNNs on 30 units with a hand-made (greedy) plan, to look at crowding.
TEST(PlanSvg, TwoCnnsGreedyPlan) {
  RandomSystemOptions o;
  o.side_m = 30;
  o.num_units = 30;
  o.mix = {{*FindBuiltinDeviceType("stm32h7"), 0.5}, {*FindBuiltinDeviceType("rpi3bplus"), 0.5}};
  o.num_sources = 2;
  Problem p;
  p.name = "two-cnns";
  p.system = std::move(DrawConnectedSystem(o, 11)).value().system;
  PaperCnn net;
  ASSERT_TRUE(FindPaperCnn("cnn5", 0.99, &net));
  for (int k = 0; k < 2; ++k) {
    Cnn c;
    c.name = "cnn" + std::to_string(k + 1);
    c.source = k;
    c.input_bytes = net.input_bytes;
    c.layers = net.layers;
    c.decision_bytes = c.layers.back().output_bytes;
    p.cnns.push_back(c);
  }
  p.max_layers_per_unit = 1;
  const CostModel model(p);
  // Greedy: each layer on the free, fitting unit nearest (in hops) to the previous one.
  Assignment a;
  std::vector<char> used(p.num_units(), 0);
  for (int c = 0; c < 2; ++c) {
    a.unit.emplace_back();
    int prev = -1;
    for (int j = 0; j < model.num_layers(c); ++j) {
      int best = -1, best_d = 1 << 30;
      for (int u = 0; u < p.num_units(); ++u) {
        if (used[u] || !model.ItemFits(model.ItemOf(c, j), u)) continue;
        const int d = prev < 0 ? model.SourceHops(c, u) : model.Hops(prev, u);
        if (d < best_d) best = u, best_d = d;
      }
      ASSERT_GE(best, 0);
      used[best] = 1;
      a.unit.back().push_back(best);
      prev = best;
    }
  }
  SolveResult r;
  r.status = SolveStatus::kFeasible;
  r.solver = "greedy";
  r.plan = Plan::Whole(p, a);
  FinishWithEvaluation(model, r);
  const std::string svg = PlanSvg(model, r);
  EXPECT_EQ(XmlProblem(svg), "");
  EXPECT_EQ(Count(svg, "class=\"unit\""), 30);
  EXPECT_EQ(Count(svg, "class=\"cnn\""), 2);
  MaybeWrite("two_cnns.svg", svg);
  MaybeWrite("two_cnns.txt", PlanText(model, r));
}

}  // namespace
}  // namespace distcnn

namespace distcnn {
namespace {

// A plan with a split is written as version 2 and read back to the same plan;
// a plan whose parts do not cover the layer, or name an unknown unit, is refused.
TEST(PlanJson, SplitPlanRoundTrip) {
  const Problem p = SplitWorkedExampleProblem();
  const CostModel model(p);
  const SolveResult r = BruteSolver().Solve(model, {});
  ASSERT_TRUE(r.plan.has_value());
  ASSERT_FALSE(r.plan->all_whole());
  const std::string text = PlanJson(model, r);
  const Json doc = Json::parse(text);
  EXPECT_EQ(doc["format_version"], 2);
  EXPECT_TRUE(doc["cnns"]["c"]["splits"].contains("conv"));
  Result<Plan> back = ReadPlan(p, text, "plan.json", true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(*back == *r.plan);
  EXPECT_EQ(Evaluate(model, *back).objective_s, r.objective_s);

  Json uncovered = doc;
  uncovered["cnns"]["c"]["splits"]["conv"]["parts"][0]["granules"] = 7;
  Result<Plan> bad = ReadPlan(p, uncovered.dump(), "plan.json", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cover the layer"), std::string::npos)
      << bad.status().message();
  Json unknown = doc;
  unknown["cnns"]["c"]["splits"]["conv"]["parts"][1]["unit"] = "nosuch";
  bad = ReadPlan(p, unknown.dump(), "plan.json", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("splits.conv.parts[1].unit: unknown unit 'nosuch'"),
            std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace distcnn
