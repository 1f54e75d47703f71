// Placement solver benchmark: the exact solver (and the CBC MILP backend when
// built with DISTCNN_BENCH_MILP) on paper-style random systems running the
// paper's AlexNet (Table 2). After the runs it prints a Markdown table of status,
// objective, gap and time per instance, as recorded in docs/performance.md.
//   solver_bench [--benchmark_filter=REGEX]   (Google Benchmark flags)
// With DISTCNN_BENCH_NOTES set in the environment, each solve's note (nodes,
// root bound, time to first plan) goes to stderr.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "distcnn/model/paper_tables.h"
#include "distcnn/placement/exact/exact_solver.h"
#include "distcnn/system/random_system.h"
#ifdef DISTCNN_BENCH_MILP
#include "distcnn/placement/milp/milp_solver.h"
#endif

namespace distcnn {
namespace {

constexpr double kTimeLimitS = 30;  // per solve

struct Instance {
  std::string name;
  int units;
  int cnns;
  int limit;  // L, 0 = none
  uint64_t seed;
};

// Side of the square: the paper's 30 m for up to 50 units; larger systems keep
// the mean radio degree near 2 ln N (connected with high probability) instead
// of growing denser: side = sqrt(N pi r^2 / (2 ln N)).
double SideM(int units) {
  if (units <= 50) return 30;
  const double r = 7.5;
  return std::sqrt(units * M_PI * r * r / (2 * std::log(static_cast<double>(units))));
}

std::unique_ptr<Problem> MakeProblem(const Instance& in) {
  RandomSystemOptions o;
  o.side_m = SideM(in.units);
  o.num_units = in.units;
  o.mix = {{*FindBuiltinDeviceType("orangepizero"), 0.45},
           {*FindBuiltinDeviceType("beagleboneai"), 0.45},
           {*FindBuiltinDeviceType("rpi3bplus"), 0.10}};
  o.technology = *FindBuiltinTechnology("wifi4");
  o.num_sources = in.cnns;
  o.num_sinks = 1;
  Result<RandomSystem> sys = DrawConnectedSystem(o, in.seed);
  if (!sys.ok()) {
    std::fprintf(stderr, "%s: %s\n", in.name.c_str(), sys.status().message().c_str());
    return nullptr;
  }
  auto p = std::make_unique<Problem>();
  p->name = in.name;
  p->system = std::move(sys->system);
  PaperCnn alexnet;
  FindPaperCnn("alexnet", 0.99, &alexnet);
  for (int c = 0; c < in.cnns; ++c) {
    Cnn cnn;
    cnn.name = "alexnet" + std::to_string(c + 1);
    cnn.source = c;
    cnn.sink = 0;
    cnn.input_bytes = alexnet.input_bytes;
    cnn.decision_bytes = alexnet.layers.back().output_bytes;
    cnn.layers = alexnet.layers;
    p->cnns.push_back(std::move(cnn));
  }
  p->max_layers_per_unit = in.limit;
  return p;
}

struct Row {
  std::string instance, solver, status;
  double objective_s = 0, gap = 0, time_s = 0;
  int64_t nodes = 0;
};
std::vector<Row>& Rows() {
  static std::vector<Row> rows;
  return rows;
}

void RunSolver(benchmark::State& state, const Instance& in, const std::string& which) {
  static std::map<std::string, std::unique_ptr<Problem>> cache;
  auto& slot = cache[in.name];
  if (!slot) slot = MakeProblem(in);
  if (!slot) {
    state.SkipWithError("no connected system");
    return;
  }
  CostModel model(*slot);
  SolveOptions options;
  options.time_limit_s = kTimeLimitS;
  SolveResult r;
  for (auto _ : state) {
    std::unique_ptr<Solver> solver;
    if (which == "exact") solver = std::make_unique<ExactSolver>();
#ifdef DISTCNN_BENCH_MILP
    if (which == "milp") solver = std::make_unique<MilpSolver>();
#endif
    r = solver->Solve(model, options);
    benchmark::ClobberMemory();  // (DoNotOptimize on a double lvalue miscompiles with GCC 12 +
                                 // benchmark 1.7)
  }
  state.counters["objective_ms"] = r.objective_s * 1e3;
  state.counters["gap"] = r.gap();
  state.counters["nodes"] = static_cast<double>(r.nodes);
  state.SetLabel(SolveStatusName(r.status));
  if (std::getenv("DISTCNN_BENCH_NOTES"))
    std::fprintf(stderr, "%s: %s\n", in.name.c_str(), r.note.c_str());
  // Google Benchmark may call this several times per case; keep the last run.
  Row row{in.name,        which,  SolveStatusName(r.status), r.objective_s, r.gap(),
          r.solve_time_s, r.nodes};
  std::vector<Row>& rows = Rows();
  if (!rows.empty() && rows.back().instance == in.name && rows.back().solver == which) {
    rows.back() = row;
  } else {
    rows.push_back(row);
  }
}

std::vector<Instance> Instances() {
  std::vector<Instance> out;
  for (int limit = 1; limit <= 5; ++limit) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      out.push_back({"alexnet_n30_L" + std::to_string(limit) + "_s" + std::to_string(seed), 30, 1,
                     limit, seed});
    }
  }
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    out.push_back({"alexnet3_n50_L1_s" + std::to_string(seed), 50, 3, 1, seed});
  }
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    const std::string s = "_s" + std::to_string(seed);
    out.push_back({"alexnet_n200_L1" + s, 200, 1, 1, seed});
    out.push_back({"alexnet_n1000_L1" + s, 1000, 1, 1, seed});
    out.push_back({"alexnet8_n200_L1" + s, 200, 8, 1, seed});
    out.push_back({"alexnet8_n200_L2" + s, 200, 8, 2, seed});
    out.push_back({"alexnet8_n1000_L1" + s, 1000, 8, 1, seed});
  }
  return out;
}

void PrintTable() {
  std::printf("\n| instance | solver | status | objective (ms) | gap | time (s) | nodes |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Row& r : Rows()) {
    std::printf("| %s | %s | %s | %.4f | %.2g | %.4f | %lld |\n", r.instance.c_str(),
                r.solver.c_str(), r.status.c_str(), r.objective_s * 1e3, r.gap, r.time_s,
                static_cast<long long>(r.nodes));
  }
}

}  // namespace
}  // namespace distcnn

int main(int argc, char** argv) {
  using namespace distcnn;
  std::vector<std::string> solvers = {"exact"};
#ifdef DISTCNN_BENCH_MILP
  solvers.push_back("milp");
#endif
  for (const Instance& in : Instances()) {
    for (const std::string& s : solvers) {
      benchmark::RegisterBenchmark((s + "/" + in.name).c_str(),
                                   [in, s](benchmark::State& st) { RunSolver(st, in, s); })
          ->Unit(benchmark::kMillisecond)
          ->MinTime(0.2);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  PrintTable();
  return 0;
}
