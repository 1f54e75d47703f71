#include "distcnn/cli/infer_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "distcnn/base/rng.h"
#include "distcnn/cli/exit_status.h"
#include "distcnn/cli/kernel_choice.h"
#include "distcnn/cli/output_paths.h"
#include "distcnn/io/input_file.h"
#include "distcnn/io/npy.h"
#include "distcnn/model/model_loader.h"
#include "distcnn/runtime/executor.h"

namespace distcnn {
namespace {

// The graph inputs: the file given by --input (for the model's only input) or
// seeded uniform [0, 1) values. `description` says which ("seed 1", "x.png (...)").
Result<TensorMap> BuildInputs(const InferFlags& flags, const Graph& graph,
                              std::string* description) {
  TensorMap inputs;
  if (flags.input.empty()) {
    Rng rng(flags.random_seed);
    for (const TensorInfo& info : graph.inputs) {
      Tensor t(info.shape);
      for (float& v : t.data) v = static_cast<float>(rng.Uniform());
      inputs[info.name] = std::move(t);
    }
    *description = "seed " + std::to_string(flags.random_seed);
    return inputs;
  }
  if (graph.inputs.size() != 1) {
    return InvalidArgument("--input " + flags.input + ": the model has " +
                           std::to_string(graph.inputs.size()) +
                           " inputs; --input feeds a model with exactly one");
  }
  ASSIGN_OR_RETURN(inputs[graph.inputs[0].name],
                   io::LoadInputTensor(flags.input, graph.inputs[0], description));
  return inputs;
}

// --save-output (the main output, graph.outputs[0]) and --save-outputs (every
// output, one file each). Reports each file written on stderr.
Status SaveOutputs(const InferFlags& flags, const Graph& graph, const TensorMap& outputs) {
  if (!flags.save_output.empty()) {
    RETURN_IF_ERROR(io::WriteNpy(flags.save_output, outputs.at(graph.outputs[0].name)));
    std::cerr << "wrote " << flags.save_output << " (output " << graph.outputs[0].name << ")\n";
  }
  if (!flags.save_outputs.empty()) {
    std::vector<std::string> names;
    for (const TensorInfo& info : graph.outputs) names.push_back(info.name);
    const std::vector<std::string> files = io::NpyFileNames(names);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string path = (std::filesystem::path(flags.save_outputs) / files[i]).string();
      RETURN_IF_ERROR(io::WriteNpy(path, outputs.at(names[i])));
      std::cerr << "wrote " << path << " (output " << names[i] << ")\n";
    }
  }
  return Status::Ok();
}

}  // namespace

int RunInferCommand(const InferFlags& flags) {
  // Outputs are checked (and --save-outputs created) before any work starts.
  if (!flags.save_output.empty()) {
    if (Status s = CheckOutputFile("--save-output", flags.save_output); !s.ok()) return Fail(s);
  }
  if (!flags.save_outputs.empty()) {
    if (Status s = PrepareOutputDirectory("--save-outputs", flags.save_outputs); !s.ok()) {
      return Fail(s);
    }
  }
  ModelLoadOptions options;
  options.keep_weights = true;
  Result<Graph> graph = LoadModel(flags.model, options);
  if (!graph.ok()) return Fail(graph.status());
  Result<const KernelRegistry*> kernels = ChooseKernels(flags.kernels, flags.threads);
  if (!kernels.ok()) return Fail(kernels.status());
  if (flags.repeat < 1) return Fail(InvalidArgument("--repeat must be at least 1"));
  Result<Executor> executor = Executor::Create(*graph, **kernels);
  if (!executor.ok()) return Fail(executor.status().WithContext(flags.model));
  std::string input_description;
  Result<TensorMap> inputs = BuildInputs(flags, *graph, &input_description);
  if (!inputs.ok()) return Fail(inputs.status());
  Result<TensorMap> outputs = InvalidArgument("not run");
  std::vector<double> seconds;
  // Several timed runs measure the steady state: one untimed run first
  // (oneDNN creates its primitives, the heap grows to the working set).
  const int warmup = flags.repeat > 1 ? 1 : 0;
  for (int r = -warmup; r < flags.repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    outputs = executor->Run(*inputs);
    if (r >= 0) {
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (!outputs.ok()) return Fail(outputs.status().WithContext(flags.model));
  }
  std::printf("model %s, input %s, %s kernels\n", flags.model.c_str(), input_description.c_str(),
              flags.kernels.c_str());
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
  std::sort(seconds.begin(), seconds.end());
  if (flags.repeat == 1) {
    std::printf("time %.3f ms\n", seconds.front() * 1e3);
  } else {
    const double mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / flags.repeat;
    std::printf("time %.3f ms (median of %d runs after 1 warm-up; mean %.3f, min %.3f, max %.3f)\n",
                seconds[seconds.size() / 2] * 1e3, flags.repeat, mean * 1e3, seconds.front() * 1e3,
                seconds.back() * 1e3);
  }
  std::fflush(stdout);
  const Status saved = SaveOutputs(flags, *graph, *outputs);
  if (!saved.ok()) return Fail(saved);
  return 0;
}

}  // namespace distcnn
