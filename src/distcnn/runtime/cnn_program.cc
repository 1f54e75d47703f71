#include "distcnn/runtime/cnn_program.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "distcnn/model/model_loader.h"
#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/gate.h"
#include "distcnn/runtime/random_input.h"

namespace distcnn::runtime {
namespace {

std::string ResolveModel(const std::string& spec, const std::string& scenario_path) {
  if (spec.rfind("zoo:", 0) == 0) return spec;
  const std::filesystem::path path(spec);
  if (path.is_absolute()) return spec;
  return (std::filesystem::path(scenario_path).parent_path() / path).string();
}

}  // namespace

Result<std::vector<CnnProgram>> LoadCnnPrograms(const Scenario& scenario) {
  std::map<std::string, CnnProgram> loaded;
  std::vector<CnnProgram> out;
  for (size_t c = 0; c < scenario.problem.cnns.size(); ++c) {
    const Cnn& cnn = scenario.problem.cnns[c];
    const std::string spec =
        c < scenario.cnn_models.size() ? scenario.cnn_models[c] : std::string();
    if (spec.empty()) {
      return InvalidArgument(scenario.path + ": CNN '" + cnn.name +
                             "' has no model; running needs `model: zoo:NAME` or an .onnx file "
                             "for every CNN (docs/runtime.md)");
    }
    const std::string model = ResolveModel(spec, scenario.path);
    if (!loaded.count(model)) {
      ASSIGN_OR_RETURN(Graph graph, LoadModel(model));
      ASSIGN_OR_RETURN(ModelProfile profile, ProfileGraph(graph, Granularity::kLayer));
      ASSIGN_OR_RETURN(std::vector<LayerSlice> slices, SliceLayers(graph, profile));
      loaded[model] = CnnProgram{spec, std::move(profile), std::move(slices)};
    }
    const CnnProgram& program = loaded.at(model);
    if (program.slices.size() != cnn.layers.size()) {
      return InvalidArgument(scenario.path + ": CNN '" + cnn.name + "': " + spec + " has " +
                             std::to_string(program.slices.size()) +
                             " placeable layers, the "
                             "scenario gives " +
                             std::to_string(cnn.layers.size()));
    }
    for (size_t j = 0; j < cnn.layers.size(); ++j) {
      if ((cnn.layers[j].exit_prob > 0) && !program.slices[j].exit) {
        return InvalidArgument(scenario.path + ": CNN '" + cnn.name + "': layer '" +
                               cnn.layers[j].name + "' has an exit probability but layer " +
                               std::to_string(j) + " of " + spec + " ('" + program.slices[j].name +
                               "') is not an exit");
      }
    }
    out.push_back(program);
  }
  return out;
}

Result<Graph> LoadWholeModel(const Scenario& scenario, size_t cnn) {
  DISTCNN_CHECK(cnn < scenario.cnn_models.size());
  return LoadModel(ResolveModel(scenario.cnn_models[cnn], scenario.path));
}

Result<std::vector<std::vector<float>>> CalibrateGates(const Problem& problem,
                                                       const std::vector<CnnProgram>& programs,
                                                       int frames, uint64_t seed,
                                                       const KernelRegistry& kernels,
                                                       std::vector<GateCalibration>* report) {
  std::vector<std::vector<float>> thresholds;
  for (size_t c = 0; c < problem.cnns.size(); ++c) {
    const Cnn& cnn = problem.cnns[c];
    const CnnProgram& program = programs[c];
    thresholds.emplace_back(cnn.layers.size(), 0.0f);
    size_t last_gate = 0;
    bool has_gate = false;
    for (size_t j = 0; j < program.slices.size(); ++j) {
      if (program.slices[j].exit) {
        last_gate = j;
        has_gate = true;
      }
    }
    if (!has_gate) continue;
    // Runs the frames up to the last gate; each gate sees the frames the
    // earlier gates let through.
    std::vector<Tensor> current;
    const LayerSlice& first = program.slices.front();
    for (int f = 0; f < frames; ++f) {
      current.push_back(
          RandomInput(first.graph.inputs.front().shape, seed + static_cast<uint64_t>(f)));
    }
    for (size_t j = 0; j <= last_gate; ++j) {
      const LayerSlice& slice = program.slices[j];
      ASSIGN_OR_RETURN(Executor ex, Executor::Create(slice.graph, kernels));
      std::vector<Tensor> outputs;
      for (const Tensor& x : current) {
        ASSIGN_OR_RETURN(TensorMap out, ex.Run({{slice.input(), x}}));
        outputs.push_back(std::move(out.at(slice.output())));
      }
      if (!slice.exit) {
        current = std::move(outputs);
        continue;
      }
      GateCalibration g;
      g.cnn = static_cast<uint32_t>(c);
      g.layer = static_cast<uint32_t>(j);
      g.name = cnn.name + "." + cnn.layers[j].name;
      // nu_j is conditional on reaching the gate (the contract's exit_prob), and
      // the frames here are exactly those that reached it.
      g.target_rate = cnn.layers[j].exit_prob;
      g.frames = static_cast<int>(current.size());
      std::vector<float> confidence;
      for (const Tensor& y : outputs) confidence.push_back(GateConfidence(y));
      std::vector<float> sorted = confidence;
      std::sort(sorted.begin(), sorted.end(), std::greater<float>());
      const auto k =
          static_cast<size_t>(std::lround(g.target_rate * static_cast<double>(sorted.size())));
      if (k == 0) {
        g.threshold = 2.0f;  // above any probability: never exits
      } else {
        g.threshold = sorted[k - 1];
      }
      std::vector<Tensor> staying;
      int exited = 0;
      for (size_t f = 0; f < current.size(); ++f) {
        if (confidence[f] >= g.threshold) {
          ++exited;
        } else {
          staying.push_back(std::move(current[f]));
        }
      }
      g.calibrated_rate = current.empty() ? 0.0 : static_cast<double>(exited) / current.size();
      thresholds[c][j] = g.threshold;
      current = std::move(staying);
      if (report) report->push_back(g);
    }
  }
  return thresholds;
}

}  // namespace distcnn::runtime
