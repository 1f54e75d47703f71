#include "distcnn/placement/problem.h"

#include <cmath>
#include <set>
#include <utility>

namespace distcnn {

Status ValidateProblem(const Problem& problem) {
  const IoTSystem& sys = problem.system;
  if (!(sys.technology.rate_bps > 0)) return InvalidArgument("technology: rate_bps must be > 0");
  for (const Unit& u : sys.units) {
    if (u.type.memory_bytes < 0) return InvalidArgument("unit '" + u.id + "': negative memory");
    if (!(u.type.mults_per_s > 0)) {
      return InvalidArgument("unit '" + u.id + "': mults_per_s must be > 0");
    }
    if (!(u.type.max_mults >= 0)) return InvalidArgument("unit '" + u.id + "': max_mults < 0");
  }
  if (problem.max_layers_per_unit < 0) return InvalidArgument("max_layers_per_unit < 0");
  std::set<std::string> names;
  for (const Cnn& c : problem.cnns) {
    if (!names.insert(c.name).second) return InvalidArgument("duplicate CNN name '" + c.name + "'");
    if (c.layers.empty()) return InvalidArgument("cnn '" + c.name + "': no layers");
    if (c.source < 0 || c.source >= static_cast<int>(sys.sources.size())) {
      return InvalidArgument("cnn '" + c.name + "': bad source index");
    }
    if (c.sink < 0 || c.sink >= static_cast<int>(sys.sinks.size())) {
      return InvalidArgument("cnn '" + c.name + "': bad sink index");
    }
    if (c.input_bytes < 0 || c.decision_bytes < 0) {
      return InvalidArgument("cnn '" + c.name + "': negative input or decision size");
    }
    std::set<std::string> layer_names;
    for (const Layer& l : c.layers) {
      const std::string where = "cnn '" + c.name + "' layer '" + l.name + "'";
      if (!layer_names.insert(l.name).second) return InvalidArgument(where + ": duplicate name");
      if (l.memory_bytes < 0 || !(l.mults >= 0) || !std::isfinite(l.mults) || l.output_bytes < 0) {
        return InvalidArgument(where + ": negative or non-finite size");
      }
      if (!(l.exit_prob >= 0 && l.exit_prob <= 1)) {
        return InvalidArgument(where + ": exit_prob must be in [0, 1]");
      }
    }
  }
  std::set<std::pair<int, int>> in_group;
  for (const auto& group : problem.shared) {
    if (group.size() < 2) return InvalidArgument("shared group with fewer than two layers");
    for (const LayerRef& r : group) {
      if (r.cnn < 0 || r.cnn >= static_cast<int>(problem.cnns.size()) || r.layer < 0 ||
          r.layer >= static_cast<int>(problem.cnns[r.cnn].layers.size())) {
        return InvalidArgument("shared group: bad layer reference");
      }
      if (!in_group.insert({r.cnn, r.layer}).second) {
        return InvalidArgument("layer " + problem.LayerName(r) + " is in two shared groups");
      }
      const Layer& a = problem.layer(group[0]);
      const Layer& b = problem.layer(r);
      if (a.memory_bytes != b.memory_bytes || a.mults != b.mults ||
          a.output_bytes != b.output_bytes) {
        return InvalidArgument("shared layers " + problem.LayerName(group[0]) + " and " +
                               problem.LayerName(r) +
                               " differ in memory_bytes, mults or output_bytes");
      }
    }
  }
  return Status::Ok();
}

const char* ObjectiveName(Objective o) { return o == Objective::kSum ? "sum" : "max"; }

const char* CostConventionName(CostConvention c) {
  return c == CostConvention::kPaper ? "paper" : "published-v1";
}

std::vector<double> RunProbabilities(const Cnn& cnn) {
  std::vector<double> p(cnn.layers.size(), 1.0);
  for (size_t j = 1; j < cnn.layers.size(); ++j)
    p[j] = p[j - 1] * (1.0 - cnn.layers[j - 1].exit_prob);
  return p;
}

std::vector<double> ExitProbabilities(const Cnn& cnn) {
  std::vector<double> p = RunProbabilities(cnn);
  std::vector<double> g(p.size(), 0.0);
  for (size_t j = 0; j < p.size(); ++j) {
    g[j] = (j + 1 == p.size()) ? p[j] : p[j] * cnn.layers[j].exit_prob;
  }
  return g;
}

bool IsExit(const Cnn& cnn, int j) {
  return j + 1 == static_cast<int>(cnn.layers.size()) || cnn.layers[j].exit_prob > 0;
}

}  // namespace distcnn
