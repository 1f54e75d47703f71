#include "distcnn/cli/infer_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>

#include "distcnn/base/rng.h"
#include "distcnn/cli/exit_status.h"
#include "distcnn/model/model_loader.h"
#include "distcnn/runtime/executor.h"

namespace distcnn {

int RunInferCommand(const InferFlags& flags) {
  ModelLoadOptions options;
  options.keep_weights = true;
  Result<Graph> graph = LoadModel(flags.model, options);
  if (!graph.ok()) return Fail(graph.status());
  Result<Executor> executor = Executor::Create(*graph);
  if (!executor.ok()) return Fail(executor.status().WithContext(flags.model));
  TensorMap inputs;
  Rng rng(flags.random_seed);
  for (const TensorInfo& info : graph->inputs) {
    Tensor t(info.shape);
    for (float& v : t.data) v = static_cast<float>(rng.Uniform());
    inputs[info.name] = std::move(t);
  }
  const auto start = std::chrono::steady_clock::now();
  Result<TensorMap> outputs = executor->Run(inputs);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!outputs.ok()) return Fail(outputs.status().WithContext(flags.model));
  std::printf("model %s, input seed %llu, reference kernels\n", flags.model.c_str(),
              static_cast<unsigned long long>(flags.random_seed));
  for (const TensorInfo& info : graph->outputs) {
    const Tensor& y = outputs->at(info.name);
    std::printf("output %s %s\n", info.name.c_str(), ShapeString(y.shape).c_str());
    std::vector<int64_t> order(y.data.size());
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(static_cast<size_t>(std::max(flags.top, 0)), order.size());
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
      return y.data[a] > y.data[b] || (y.data[a] == y.data[b] && a < b);
    });
    for (size_t i = 0; i < k; ++i) {
      std::printf("  top%zu class %lld logit %.6g\n", i + 1, static_cast<long long>(order[i]),
                  y.data[order[i]]);
    }
  }
  std::printf("time %.3f ms\n", seconds * 1e3);
  return 0;
}

}  // namespace distcnn
