// Tests of study loading, the sweep engine and its reports: a hand-computed
// cell, determinism across job counts, infeasible systems, and bad studies
// (unknown device type, proportions, a protocol that is almost never connected).
#include "distcnn/sim/sweep.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "distcnn/sim/study_loader.h"
#include "distcnn/sim/sweep_report.h"

namespace distcnn {
namespace {

Study MustLoad(const std::string& text) {
  Result<Study> s = LoadStudyText(text, "test.yaml");
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(s).value() : Study{};
}

std::string LoadError(const std::string& text) {
  Result<Study> s = LoadStudyText(text, "test.yaml");
  EXPECT_FALSE(s.ok());
  return s.ok() ? "" : s.status().message();
}

// Every vertex within range of every other (1 m square, 7.5 m range), all units
// Raspberry Pi 3B+: each transfer is one hop and every layer runs at 560e6
// mults/s, so each cell has a closed form and no spread.
constexpr char kAllRpiClique[] = R"(
name: clique
seed: 3
systems: 5
L: [1, C]
cost_conventions: [paper, published-v1]
protocol:
  area: 1 m
  units: 8
  mixes: {all-rpi: {rpi3bplus: 100 %}}
  technologies: [wifi4]
configurations:
  - {name: 5-layer CNN, cnns: [cnn5]}
)";

TEST(SweepTest, HandComputedCell) {
  const Study study = MustLoad(kAllRpiClique);
  Result<SweepResult> result = RunSweep(study, SweepOptions{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->rows.size(), 5u * 2 * 2);
  const std::vector<CellSummary> cells = Summarize(study, *result);
  ASSERT_EQ(cells.size(), 4u);
  // Table 1 as printed: c = 3.81, 20.08, 1.20, 0.07, 0.002 M; K_s = 9410 B;
  // K = 50180, 12540, 1540, 770 B; decision 40 B; rho = 72.2e6 bit/s.
  const double e = 560e6, rho = 72.2e6;
  const double tp_paper = (3.81 + 20.08 + 1.20 + 0.07 + 0.002) * 1e6 / e * 1e3;
  const double tp_v1 = (3.81 + 20.08 + 1.20 + 0.07) * 1e6 / e * 1e3;  // last layer dropped
  const double tt_c = 8.0 * (9410 + 40) / rho * 1e3;                  // source -> unit -> sink
  const double tt_1 = 8.0 * (9410 + 50180 + 12540 + 1540 + 770 + 40) / rho * 1e3;
  for (const CellSummary& c : cells) {
    SCOPED_TRACE("L=" + LayerLimitName(c.layer_limit) + " " + CostConventionName(c.convention));
    EXPECT_EQ(c.systems, 5);
    EXPECT_EQ(c.optimal, 5);
    const double tp = c.convention == CostConvention::kPaper ? tp_paper : tp_v1;
    const double tt = c.layer_limit == 0 ? tt_c : tt_1;
    EXPECT_NEAR(c.processing_ms.mean, tp, 1e-9);
    EXPECT_NEAR(c.transmission_ms.mean, tt, 1e-9);
    EXPECT_NEAR(c.latency_ms.mean, tp + tt, 1e-9);
    EXPECT_NEAR(c.latency_ms.std, 0, 1e-9);
  }
  // The published-v1 t_p of the 5-layer CNN is the paper's 44.93 ms.
  EXPECT_EQ(std::round(tp_v1 * 100) / 100, 44.93);
  const std::string md = SummaryMarkdown(study, *result, cells);
  EXPECT_NE(md.find("| 5-layer CNN | C | 1.05 ± 0.00 | 44.93 ± 0.00 | 45.98 ± 0.00 |"),
            std::string::npos)
      << md;
}

// Strips the named columns from a CSV text.
std::string WithoutColumns(const std::string& csv, const std::vector<std::string>& drop) {
  std::vector<std::vector<std::string>> rows;
  size_t pos = 0;
  while (pos < csv.size()) {
    const size_t end = csv.find('\n', pos);
    const std::string line = csv.substr(pos, end - pos);
    pos = end == std::string::npos ? csv.size() : end + 1;
    std::vector<std::string> fields;
    size_t f = 0;
    while (true) {
      const size_t comma = line.find(',', f);
      fields.push_back(line.substr(f, comma - f));
      if (comma == std::string::npos) break;
      f = comma + 1;
    }
    rows.push_back(fields);
  }
  std::vector<bool> keep(rows.empty() ? 0 : rows[0].size(), true);
  for (size_t i = 0; i < keep.size(); ++i) {
    for (const std::string& d : drop) keep[i] = keep[i] && rows[0][i] != d;
  }
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < keep.size(); ++i) {
      if (keep[i]) out += r[i] + ",";
    }
    out += "\n";
  }
  return out;
}

constexpr char kMixed[] = R"(
name: mixed
seed: 11
systems: 8
L: [1, 2, C]
cost_conventions: [published-v1, paper]
protocol:
  area: 30 m
  units: 12
  range: 12 m
  mixes:
    50-50: {stm32h7: 0.5, rpi3bplus: 0.5}
    90-10: {stm32h7: 0.9, rpi3bplus: 0.1}
  technologies: [wifi4, halow]
configurations:
  - {name: GC, cnns: [cnn5-gc]}
  - {name: two shared, cnns: [cnn5, cnn5], shared_prefix: 2}
)";

TEST(SweepTest, SameResultsWhateverTheJobs) {
  const Study study = MustLoad(kMixed);
  SweepOptions one, three;
  three.jobs = 3;
  int64_t last_done = 0;
  one.progress = [&](const SweepProgress& p) {
    EXPECT_GT(p.done, last_done);
    last_done = p.done;
  };
  Result<SweepResult> a = RunSweep(study, one);
  Result<SweepResult> b = RunSweep(study, three);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(last_done, SweepSolveCount(study));
  const std::string runs_a = WithoutColumns(RunsCsv(study, *a), RunsCsvTimingColumns());
  EXPECT_EQ(runs_a, WithoutColumns(RunsCsv(study, *b), RunsCsvTimingColumns()));
  EXPECT_EQ(WithoutColumns(SummaryCsv(study, Summarize(study, *a)), SummaryCsvTimingColumns()),
            WithoutColumns(SummaryCsv(study, Summarize(study, *b)), SummaryCsvTimingColumns()));
  // A different seed gives different systems.
  Study other = study;
  other.seed = 12;
  one.progress = nullptr;
  Result<SweepResult> c = RunSweep(other, one);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(runs_a, WithoutColumns(RunsCsv(other, *c), RunsCsvTimingColumns()));
  // Same system seed for every mix and technology of one index.
  EXPECT_EQ(a->rows.front().seed, DeriveSystemSeed(11, 0));
}

TEST(SweepTest, InfeasibleSystemsAreRowsNotErrors) {
  // STM32H7 units hold 512 KiB: the 5-layer CNN's fc 384 (4.8 MB) fits nowhere.
  const Study study = MustLoad(R"(
systems: 3
L: [C]
protocol:
  area: 10 m
  units: 6
  mixes: {all-stm: {stm32h7: 1}}
  technologies: [wifi4]
configurations:
  - {name: cnn5, cnns: [cnn5]}
)");
  Result<SweepResult> r = RunSweep(study, SweepOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::vector<CellSummary> cells = Summarize(study, *r);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].infeasible, 3);
  EXPECT_EQ(cells[0].with_plan, 0);
  EXPECT_NE(RunsCsv(study, *r).find(",infeasible,,,,,,"), std::string::npos);
}

// Half the units are STM32H7s, which cannot hold the 5-layer CNN's fc 384:
// with 4 units, 1 system in 16 has no Raspberry Pi and is infeasible.
constexpr char kHalfStmStudy[] = R"(
seed: 11
systems: 40
L: [2, C]
protocol:
  area: 5 m
  units: 4
  mixes: {50-50: {stm32h7: 50 %, rpi3bplus: 50 %}}
  technologies: [wifi4]
  feasibility: RULE
configurations:
  - {name: cnn5, cnns: [cnn5]}
)";

Study HalfStmStudy(const std::string& rule) {
  std::string text = kHalfStmStudy;
  text.replace(text.find("RULE"), 4, rule);
  return MustLoad(text);
}

TEST(SweepTest, RedrawInfeasibleKeepsOnlyFeasibleSystems) {
  const Study keep = HalfStmStudy("keep");
  Result<SweepResult> kept = RunSweep(keep, SweepOptions{});
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  int infeasible_systems = 0;
  for (const SweepRow& row : kept->rows) {
    if (row.layer_limit == 0 && row.status == SolveStatus::kInfeasible) ++infeasible_systems;
  }
  ASSERT_GT(infeasible_systems, 0) << "the seed should draw some system without a Raspberry Pi";

  const Study redraw = HalfStmStudy("redraw");
  Result<SweepResult> r = RunSweep(redraw, SweepOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->rows.size(), kept->rows.size());
  int redrawn = 0;
  for (size_t i = 0; i < r->rows.size(); ++i) {
    const SweepRow& row = r->rows[i];
    EXPECT_TRUE(row.has_plan) << "system " << row.system;
    // A system kept at its first draw is the same system as under `keep`.
    if (row.infeasible_draws == 0) {
      EXPECT_EQ(row.seed, kept->rows[i].seed);
      EXPECT_EQ(row.latency_s, kept->rows[i].latency_s);
    } else {
      EXPECT_EQ(row.seed, DeriveAttemptSeed(redraw.seed, row.system, row.infeasible_draws));
    }
    if (row.layer_limit == 0) redrawn += row.infeasible_draws;
  }
  // Every system infeasible under `keep` was redrawn at least once, in that cell only.
  EXPECT_GE(redrawn, infeasible_systems);
  for (size_t i = 0; i < r->rows.size(); ++i) {
    EXPECT_EQ(r->rows[i].infeasible_draws > 0, kept->rows[i].status == SolveStatus::kInfeasible);
  }
  const std::vector<CellSummary> cells = Summarize(redraw, *r);
  for (const CellSummary& c : cells) EXPECT_EQ(c.optimal, 40);
  const std::string md = SummaryMarkdown(redraw, *r, cells);
  EXPECT_NE(md.find(std::to_string(redrawn) + " connected draws made to replace infeasible"),
            std::string::npos)
      << md;
}

// Two configurations: a system that cannot host AlexNet at some L (it needs
// 3 Raspberry Pis at L = 2, the 5-layer CNN 1) is replaced there for both
// under `redraw-shared`, for AlexNet only under `redraw`.
TEST(SweepTest, RedrawSharedGivesEveryConfigurationTheSameSystems) {
  auto study = [](const std::string& rule) {
    std::string text = kHalfStmStudy;
    text.replace(text.find("RULE"), 4, rule);
    text.replace(text.find("units: 4"), 8, "units: 6");
    return MustLoad(text + "  - {name: alexnet, cnns: [alexnet]}\n");
  };
  const Study per_cell = study("redraw");
  const Study shared = study("redraw-shared");
  Result<SweepResult> a = RunSweep(per_cell, SweepOptions{});
  Result<SweepResult> b = RunSweep(shared, SweepOptions{});
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(a->rows.size(), b->rows.size());
  // (system, L) -> the draw each rule used, per configuration.
  std::map<std::pair<int, int>, std::map<int, int>> per_cell_draw, shared_draw;
  for (size_t i = 0; i < b->rows.size(); ++i) {
    const SweepRow& row = b->rows[i];
    EXPECT_TRUE(row.has_plan) << "system " << row.system;
    per_cell_draw[{row.system, row.layer_limit}][row.configuration] = a->rows[i].infeasible_draws;
    shared_draw[{row.system, row.layer_limit}][row.configuration] = row.infeasible_draws;
  }
  int coupled = 0;
  for (const auto& [key, draws] : shared_draw) {
    ASSERT_EQ(draws.size(), 2u);
    EXPECT_EQ(draws.at(0), draws.at(1)) << "system " << key.first << " L " << key.second;
    // Whatever hosts AlexNet hosts the 5-layer CNN: the shared draw is AlexNet's.
    EXPECT_EQ(draws.at(0), per_cell_draw[key].at(1)) << "system " << key.first;
    coupled += draws.at(0) > per_cell_draw[key].at(0) ? 1 : 0;
  }
  EXPECT_GT(coupled, 0) << "the seed should draw systems that host cnn5 but not AlexNet";
  const std::string md = SummaryMarkdown(shared, *b, Summarize(shared, *b));
  EXPECT_NE(md.find("redrawn at each L where one of the configurations is infeasible"),
            std::string::npos)
      << md;
}

TEST(SweepTest, RedrawOfAHopelessConfigurationStops) {
  // No STM32H7 holds fc 384: every draw is infeasible; the sweep must give up.
  std::string text = kHalfStmStudy;
  text.replace(text.find("RULE"), 4, "redraw");
  text.replace(text.find("{stm32h7: 50 %, rpi3bplus: 50 %}"), 32, "{stm32h7: 1}");
  const Study study = MustLoad(text);
  Result<SweepResult> r = RunSweep(study, SweepOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find(
                "test.yaml:5: protocol: system 0: 1000 connected draws in a row are infeasible "
                "for configuration 'cnn5' at L = C: fewer than 1 in 1000"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(LoadError(std::string(kHalfStmStudy))
                .find("test.yaml:11: protocol.feasibility: "
                      "unknown feasibility rule 'RULE'"),
            0u);
}

constexpr char kProtocolTail[] = R"(
  technologies: [wifi4]
configurations:
  - {name: one, cnns: [cnn5]}
)";

TEST(StudyLoaderTest, ReadsEveryField) {
  const Study s = MustLoad(R"(
name: full
seed: 42
systems: 10
L: [1, 3, unlimited]
cost_conventions: [published-v1]
objective: max
solver: brute
time_limit: 2 s
device_types: {my-board: {memory_bytes: 256 MiB, mults_per_s: 300e6}}
protocol:
  area: 20 m
  units: 5
  mixes: {m: {my-board: 25 %, rpi3bplus: 75 %}}
  technologies: [halow, {name: fast, rate_bps: 100 Mbit/s, range_m: 10 m}]
  range: 9 m
  sinks: 2
configurations:
  - {name: two, cnns: [cnn5, alexnet-gc], exit_prob: 0.5, input_bytes: 2352 B}
)");
  EXPECT_EQ(s.name, "full");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.num_systems, 10);
  EXPECT_EQ(s.layer_limits, (std::vector<int>{1, 3, 0}));
  EXPECT_EQ(s.conventions, std::vector<CostConvention>{CostConvention::kPublishedV1});
  EXPECT_EQ(s.objective, Objective::kMax);
  EXPECT_EQ(s.solver, "brute");
  EXPECT_DOUBLE_EQ(s.time_limit_s, 2);
  EXPECT_DOUBLE_EQ(s.side_m, 20);
  EXPECT_EQ(s.num_sources, 2);  // one per CNN of the largest configuration
  EXPECT_EQ(s.num_sinks, 2);
  ASSERT_EQ(s.mixes.size(), 1u);
  EXPECT_EQ(s.mixes[0].shares[0].type.name, "my-board");
  EXPECT_DOUBLE_EQ(s.mixes[0].shares[0].proportion, 0.25);
  ASSERT_EQ(s.technologies.size(), 2u);
  EXPECT_DOUBLE_EQ(s.technologies[0].range_m, 9);
  EXPECT_DOUBLE_EQ(s.technologies[1].rate_bps, 100e6);
  const StudyConfiguration& c = s.configurations[0];
  ASSERT_EQ(c.cnns.size(), 2u);
  EXPECT_EQ(c.cnns[1].source, 1);
  EXPECT_EQ(c.cnns[0].input_bytes, 2352);
  EXPECT_DOUBLE_EQ(c.cnns[1].layers[2].exit_prob, 0.5);
}

TEST(StudyLoaderTest, ScenarioConfigurationTakesCnnsAndShared) {
  Result<Study> s = LoadStudyText(R"(
systems: 1
L: [C]
protocol:
  area: 30 m
  units: 30
  mixes: {all-rpi: {rpi3bplus: 1}}
  technologies: [wifi4]
configurations:
  - {name: from file, scenario: examples/paper-two-cnns-shared.yaml}
)",
                                  "inline.yaml", ".");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->configurations[0].cnns.size(), 2u);
  EXPECT_FALSE(s->configurations[0].shared.empty());
  EXPECT_EQ(s->num_sources, 2);
}

TEST(StudyLoaderTest, BadStudiesNameFileLineAndField) {
  const std::string head = "systems: 3\nL: [1, C]\nprotocol:\n  area: 30 m\n  units: 30\n";
  EXPECT_EQ(
      LoadError(head + "  mixes: {bad: {stm32h7: 0.5, rpi5: 0.5}}" + kProtocolTail)
          .rfind("test.yaml:6: protocol.mixes.bad.rpi5: unknown device type 'rpi5' (known: ", 0),
      0u);
  EXPECT_EQ(
      LoadError(head + "  mixes:\n    short: {stm32h7: 40 %, rpi3bplus: 50 %}" + kProtocolTail),
      "test.yaml:7: protocol.mixes.short: the proportions of mix 'short' sum to 0.9, not 1 "
      "(100 %)");
  EXPECT_NE(LoadError(head + "  mixes: {m: {rpi3bplus: 1}}\n  technologies: [wifi5]\n"
                             "configurations: [{name: a, cnns: [cnn5]}]\n")
                .find("unknown technology 'wifi5'"),
            std::string::npos);
  EXPECT_NE(LoadError("systems: 0\n").find("test.yaml:1: systems: expected a whole number"),
            std::string::npos);
  EXPECT_NE(LoadError("systems: [1\n").find("YAML syntax error"), std::string::npos);
  EXPECT_NE(LoadError(head + "  mixes: {m: {rpi3bplus: 1}}" + kProtocolTail +
                      "  - {name: one, cnns: [cnn5]}\n")
                .find("configuration 'one' defined twice"),
            std::string::npos);
}

TEST(SweepTest, HopelessProtocolStopsWithTheRate) {
  // 30 units in a 3 km square with a 7.5 m range are never connected.
  const Study study = MustLoad(
      "systems: 3\nL: [1]\nprotocol:\n  area: 3 km\n  units: 30\n  mixes: {m: {rpi3bplus: 1}}" +
      std::string(kProtocolTail));
  const auto start = std::chrono::steady_clock::now();
  Result<SweepResult> r = RunSweep(study, SweepOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("test.yaml:3: protocol: technology wifi4: only 0 of the "
                                      "first 10000 random systems are connected (connection "
                                      "rate 0 %, below the minimum of 0.1 %)"),
            std::string::npos)
      << r.status().message();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 30);
}

TEST(RandomSystemTest, ConnectionRateCountsTheFirstDraws) {
  RandomSystemOptions o;
  o.mix = {{*FindBuiltinDeviceType("rpi3bplus"), 1.0}};
  o.num_units = 12;
  Result<ConnectionRate> r = MeasureConnectionRate(o, 5, 200, 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->draws, 200);
  EXPECT_GE(r->connected, 0);
  // Stops as soon as enough draws are connected.
  o.technology.range_m = 100;  // everything adjacent
  r = MeasureConnectionRate(o, 5, 10000, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->draws, 10);
  EXPECT_EQ(r->connected, 10);
  EXPECT_TRUE(CheckConnectionRate(o, 5).ok());
  // DrawConnectedSystem consumes the same stream: its first draw is connected.
  Result<RandomSystem> s = DrawConnectedSystem(o, 5);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->rejected_draws, 0);
}

}  // namespace
}  // namespace distcnn
