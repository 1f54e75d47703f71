#include "distcnn/placement/problem.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string_view>
#include <utility>

namespace distcnn {

const char* PartitionKindName(PartitionKind kind) {
  switch (kind) {
    case PartitionKind::kWhole:
      return "whole";
    case PartitionKind::kOutChannels:
      return "out_channels";
    case PartitionKind::kInChannels:
      return "in_channels";
    case PartitionKind::kFused:
      return "fused";
    case PartitionKind::kSpatial:
      return "spatial";
  }
  return "?";
}

Result<PartitionKind> ParsePartitionKind(const std::string& name) {
  for (PartitionKind k :
       {PartitionKind::kWhole, PartitionKind::kOutChannels, PartitionKind::kInChannels,
        PartitionKind::kFused, PartitionKind::kSpatial}) {
    if (name == PartitionKindName(k)) return k;
  }
  return InvalidArgument("unknown partition kind '" + name +
                         "' (whole, out_channels, in_channels, fused or spatial)");
}

bool Partitioning::allows(PartitionKind kind) const {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

bool CanSplit(const Cnn& cnn, int j, PartitionKind kind, bool in_shared_group) {
  const int m = static_cast<int>(cnn.layers.size());
  if (j < 0 || j >= m || !cnn.partitioning.allows(kind) || in_shared_group) return false;
  const Layer& layer = cnn.layers[j];
  if (!layer.split || layer.exit_prob > 0) return false;
  switch (kind) {
    case PartitionKind::kOutChannels:
      return layer.split->out_channels_ok();
    case PartitionKind::kInChannels:
      return layer.split->in_channels_ok();
    case PartitionKind::kFused:
      return j + 1 < m && layer.split->fusable_with_next && cnn.layers[j + 1].split &&
             cnn.layers[j + 1].exit_prob == 0 && cnn.layers[j + 1].split->in_channels_ok();
    case PartitionKind::kSpatial:
      return layer.split->spatial_ok();
    case PartitionKind::kWhole:
      return false;
  }
  return false;
}

std::vector<int> EqualShares(int granules, int parts) {
  std::vector<int> out;
  for (int k = 0; k < parts; ++k) out.push_back(granules / parts + (k < granules % parts ? 1 : 0));
  return out;
}

bool AnyPartitioning(const Problem& problem) {
  for (const Cnn& c : problem.cnns) {
    if (c.partitioning.enabled()) return true;
  }
  return false;
}

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
    if (c.partitioning.enabled() && (c.partitioning.max_parts < 2 || c.partitioning.granules < 2)) {
      return InvalidArgument("cnn '" + c.name +
                             "': partitioning needs max_parts and granules >= 2");
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

namespace {

// FNV-1a, 64 bits, over a canonical text: fields separated, numbers exact.
class Fingerprint {
 public:
  Fingerprint& Add(std::string_view text) {
    for (unsigned char ch : text) Byte(ch);
    Byte(0x1f);  // a field separator that no field contains
    return *this;
  }
  Fingerprint& Add(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return Add(std::string_view(buf));
  }
  std::string Hex() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(hash_));
    return buf;
  }

 private:
  void Byte(unsigned char ch) {
    hash_ ^= ch;
    hash_ *= 0x100000001b3ULL;
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::string ProblemDigest(const Problem& problem) {
  const IoTSystem& sys = problem.system;
  Fingerprint f;
  f.Add("distcnn problem 1").Add(sys.technology.rate_bps);
  for (const Unit& u : sys.units) {
    f.Add(u.id).Add(u.type.name).Add(static_cast<double>(u.type.memory_bytes));
    f.Add(u.type.mults_per_s).Add(u.type.max_mults);
  }
  for (const Endpoint& e : sys.sources) f.Add("source").Add(e.id).Add(e.vertex);
  for (const Endpoint& e : sys.sinks) f.Add("sink").Add(e.id).Add(e.vertex);
  for (int a = 0; a < sys.graph.num_vertices(); ++a) {
    f.Add(a < static_cast<int>(sys.vertex_ids.size()) ? sys.vertex_ids[a] : "?");
    std::vector<int> next = sys.graph.Neighbours(a);
    std::sort(next.begin(), next.end());  // the order links were listed in is no part of it
    for (int b : next) f.Add(b);
  }
  for (const Cnn& c : problem.cnns) {
    f.Add("cnn").Add(c.name).Add(c.source).Add(c.sink);
    f.Add(static_cast<double>(c.input_bytes)).Add(static_cast<double>(c.decision_bytes));
    for (const Layer& l : c.layers) {
      f.Add(l.name).Add(static_cast<double>(l.memory_bytes)).Add(l.mults);
      f.Add(static_cast<double>(l.output_bytes)).Add(l.exit_prob);
    }
    // Only when on, so that every digest made before partitioning stays valid.
    if (c.partitioning.enabled()) {
      f.Add("partitioning").Add(c.partitioning.max_parts).Add(c.partitioning.granules);
      if (c.partitioning.equal_shares) f.Add("equal shares");
      for (PartitionKind k : c.partitioning.kinds) f.Add(PartitionKindName(k));
    }
  }
  for (const auto& group : problem.shared) {
    f.Add("shared");
    for (const LayerRef& r : group) f.Add(r.cnn).Add(r.layer);
  }
  f.Add(problem.max_layers_per_unit).Add(ObjectiveName(problem.objective));
  f.Add(CostConventionName(problem.cost_convention));
  return f.Hex();
}

Problem WithoutUnits(Problem problem, const std::set<int>& failed) {
  problem.system.graph = problem.system.graph.WithoutVertices(failed);
  return problem;
}

Problem WithoutCnns(Problem problem, const std::set<int>& removed) {
  std::vector<int> index_of(problem.cnns.size(), -1);
  std::vector<Cnn> kept;
  for (size_t c = 0; c < problem.cnns.size(); ++c) {
    if (removed.count(static_cast<int>(c))) continue;
    index_of[c] = static_cast<int>(kept.size());
    kept.push_back(std::move(problem.cnns[c]));
  }
  problem.cnns = std::move(kept);
  std::vector<std::vector<LayerRef>> shared;
  for (const std::vector<LayerRef>& group : problem.shared) {
    std::vector<LayerRef> left;
    for (const LayerRef& r : group) {
      if (index_of[static_cast<size_t>(r.cnn)] >= 0) {
        left.push_back(LayerRef{index_of[static_cast<size_t>(r.cnn)], r.layer});
      }
    }
    if (left.size() >= 2) shared.push_back(std::move(left));
  }
  problem.shared = std::move(shared);
  return problem;
}

}  // namespace distcnn
