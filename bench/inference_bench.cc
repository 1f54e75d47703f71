// Single-process inference benchmark: one frame (batch 1) through each zoo
// model with the Executor, on the oneDNN kernels at 1 and 2 intra-op threads,
// the oneDNN kernels at 1 thread without the primitive cache (every kernel
// creates its primitives anew, for a few models) and the reference kernels at
// 1 thread (models that take at most a few seconds). After the runs it prints
// a Markdown table of the mean wall time per frame (the median of the means
// with --benchmark_repetitions), as recorded in docs/performance.md.
//   inference_bench [--benchmark_filter=REGEX]   (Google Benchmark flags)
// Each case runs one untimed frame first (primitive creation, page faults).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "distcnn/base/allocator.h"
#include "distcnn/base/rng.h"
#include "distcnn/kernels/registry.h"
#ifdef DISTCNN_HAVE_ONEDNN
#include "distcnn/kernels/onednn/onednn_kernels.h"
#endif
#include "distcnn/model/zoo.h"
#include "distcnn/runtime/executor.h"

namespace distcnn {
namespace {

// Models the reference kernels run in at most ~2 s per frame.
const std::set<std::string> kReferenceModels = {"lenet5",   "cnn5",           "cnn5-gc",
                                                "alexnet",  "alexnet-2class", "alexnet-gc",
                                                "resnet18", "mobilenetv2"};
const std::set<std::string> kNoCacheModels = {"lenet5", "cnn5", "alexnet", "resnet18",
                                              "mobilenetv2"};

struct Config {
  std::string name;  // column name
  std::string kernels;
  int threads;
  bool cache;
};

const std::vector<Config>& Configs() {
  static const std::vector<Config> configs = {{"onednn_t1", "onednn", 1, true},
                                              {"onednn_t2", "onednn", 2, true},
                                              {"onednn_t1_nocache", "onednn", 1, false},
                                              {"reference_t1", "reference", 1, true}};
  return configs;
}

// The model being measured: its graph with the weights generated once, its
// input and one executor per kernel registry. Only one model is kept at a
// time (benchmarks run model by model; VGG-16 alone holds ~0.5 GB of weights).
struct Model {
  std::string name;
  Graph graph;
  TensorMap inputs;
  std::map<std::string, std::unique_ptr<Executor>> executors;  // by kernels name
};

Model* GetModel(const std::string& name) {
  static std::unique_ptr<Model> current;
  if (current && current->name == name) return current.get();
  current.reset();
  Result<Graph> g = BuildZooModel(name);
  if (!g.ok()) return nullptr;
  current = std::make_unique<Model>();
  current->name = name;
  current->graph = std::move(*g);
  for (Initializer& init : current->graph.initializers) {
    if (!init.seed) continue;
    init.floats = FloatValues(init);
    init.seed.reset();
  }
  Rng rng(1);
  for (const TensorInfo& info : current->graph.inputs) {
    Tensor t(info.shape);
    for (float& v : t.data) v = static_cast<float>(rng.Uniform());
    current->inputs[info.name] = std::move(t);
  }
  return current.get();
}

const Executor* GetExecutor(Model* m, const std::string& kernels_name) {
  auto& slot = m->executors[kernels_name];
  if (slot) return slot.get();
  Result<const KernelRegistry*> kernels = KernelsByName(kernels_name);
  if (!kernels.ok()) return nullptr;
  Result<Executor> ex = Executor::Create(m->graph, **kernels);
  if (!ex.ok()) return nullptr;
  slot = std::make_unique<Executor>(std::move(*ex));
  return slot.get();
}

std::map<std::string, std::map<std::string, double>>& Table() {  // model -> config -> ms
  static std::map<std::string, std::map<std::string, double>> table;
  return table;
}

void RunModel(benchmark::State& state, const std::string& model, const Config& config) {
  Model* m = GetModel(model);
  const Executor* ex = m ? GetExecutor(m, config.kernels) : nullptr;
  if (!ex) {
    state.SkipWithError("cannot build the model or its executor");
    return;
  }
  SetKernelThreads(config.threads);
#ifdef DISTCNN_HAVE_ONEDNN
  SetOneDnnPrimitiveCaching(config.cache);
#endif
  if (!ex->Run(m->inputs).ok()) {  // warm-up
    state.SkipWithError("run failed");
    return;
  }
  for (auto _ : state) {
    Result<TensorMap> out = ex->Run(m->inputs);
    if (!out.ok()) {
      state.SkipWithError(out.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(out->begin()->second.data.data());
  }
#ifdef DISTCNN_HAVE_ONEDNN
  SetOneDnnPrimitiveCaching(true);
#endif
  SetKernelThreads(0);
}

class TableReporter : public benchmark::ConsoleReporter {
 public:
  TableReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      // With --benchmark_repetitions the median (reported after the
      // repetitions) is kept.
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.error_occurred || (r.run_type != Run::RT_Iteration && !median)) continue;
      const std::string name = r.benchmark_name();  // "config/model"
      const size_t slash = name.find('/');
      if (slash == std::string::npos) continue;
      const std::string config = name.substr(0, slash);
      std::string model = name.substr(slash + 1);
      if (const size_t extra = model.find('/'); extra != std::string::npos) model.resize(extra);
      // Wall time per frame in the benchmark's unit (ms); the last report wins.
      Table()[model][config] = r.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

std::string Format(const char* format, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

void PrintTable() {
  std::printf(
      "\n| model | oneDNN, 1 thread (ms) | oneDNN, 2 threads (ms) | oneDNN, 1 thread, no cache "
      "(ms) | reference, 1 thread (ms) | reference / oneDNN 1 thread |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (const ZooEntry& e : ZooEntries()) {
    auto it = Table().find(e.name);
    if (it == Table().end()) continue;
    const auto& row = it->second;
    auto cell = [&](const std::string& config) {
      auto c = row.find(config);
      return c == row.end() ? std::string("-") : Format("%.3g", c->second);
    };
    std::string ratio = "-";
    if (row.count("reference_t1") && row.count("onednn_t1") && row.at("onednn_t1") > 0) {
      ratio = Format("%.0fx", row.at("reference_t1") / row.at("onednn_t1"));
    }
    std::printf("| %s | %s | %s | %s | %s | %s |\n", e.name.c_str(), cell("onednn_t1").c_str(),
                cell("onednn_t2").c_str(), cell("onednn_t1_nocache").c_str(),
                cell("reference_t1").c_str(), ratio.c_str());
  }
}

}  // namespace
}  // namespace distcnn

int main(int argc, char** argv) {
  using namespace distcnn;
  KeepTensorBlocksOnTheHeap();  // as the distcnn command does
  for (const ZooEntry& e : ZooEntries()) {
    for (const Config& config : Configs()) {
      if (config.kernels == "reference" && !kReferenceModels.count(e.name)) continue;
#ifndef DISTCNN_HAVE_ONEDNN
      if (config.kernels == "onednn") continue;
#endif
      if (!config.cache && !kNoCacheModels.count(e.name)) continue;
      const std::string model = e.name;
      benchmark::RegisterBenchmark(
          (config.name + "/" + model).c_str(),
          [model, config](benchmark::State& st) { RunModel(st, model, config); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MinTime(1.0);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  PrintTable();
  return 0;
}
