#include "distcnn/placement/testing/random_problem.h"

#include <algorithm>

#include "distcnn/base/rng.h"
#include "distcnn/profile/layer_split.h"
#include "distcnn/system/system_builder.h"

namespace distcnn {

Problem RandomProblem(uint64_t seed, const RandomProblemOptions& options) {
  Rng rng(seed * 0x2545F4914F6CDD1DULL + 17);
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(rng.Below(hi - lo + 1)); };
  Problem p;
  p.name = "random-" + std::to_string(seed);

  SystemSpec spec;
  spec.technology =
      rng.Bernoulli(0.5) ? Technology{"wifi4", 72.2e6, 7.5} : Technology{"halow", 7.2e6, 7.5};
  const int n = pick(options.min_units, options.max_units);
  const bool tight_memory = rng.Bernoulli(0.3);
  const bool with_max_mults = rng.Bernoulli(0.2);
  for (int i = 0; i < n; ++i) {
    DeviceType t;
    t.name = "dev" + std::to_string(rng.Below(3));
    t.mults_per_s = 1e8 * (1 + static_cast<double>(rng.Below(6)));
    t.memory_bytes = tight_memory ? 1000 * pick(2, 8) : 1000000;
    if (with_max_mults && rng.Bernoulli(0.5)) t.max_mults = 1e6 * pick(2, 8);
    spec.units.push_back(Unit{"u" + std::to_string(i), t, Position{0, 0}});
  }
  const int num_sources = pick(1, 2);
  const int num_sinks = pick(1, 2);
  for (int s = 0; s < num_sources; ++s) {
    EndpointSpec e{"s" + std::to_string(s), Position{0, 0}, std::nullopt};
    if (rng.Bernoulli(0.3)) e.at = "u" + std::to_string(rng.Below(n));
    spec.sources.push_back(e);
  }
  for (int s = 0; s < num_sinks; ++s) {
    EndpointSpec e{"f" + std::to_string(s), Position{0, 0}, std::nullopt};
    if (rng.Bernoulli(0.3)) e.at = "u" + std::to_string(rng.Below(n));
    spec.sinks.push_back(e);
  }
  // Random graph: a random spanning tree usually, plus extra edges; sometimes
  // one vertex is left unconnected to exercise eligibility.
  std::vector<std::string> ids;
  for (const auto& u : spec.units) ids.push_back(u.id);
  for (const auto& e : spec.sources)
    if (!e.at) ids.push_back(e.id);
  for (const auto& e : spec.sinks)
    if (!e.at) ids.push_back(e.id);
  std::vector<std::pair<std::string, std::string>> links;
  const bool leave_one_out = rng.Bernoulli(0.1) && n > 2;
  for (size_t v = 1; v < ids.size(); ++v) {
    if (leave_one_out && v == 1) continue;
    size_t w = rng.Below(v);
    if (leave_one_out && w == 1) w = 0;
    links.emplace_back(ids[v], ids[w]);
  }
  const double extra = rng.Uniform(0, 0.4);
  for (size_t a = 0; a < ids.size(); ++a) {
    for (size_t b = a + 1; b < ids.size(); ++b) {
      if (leave_one_out && (a == 1 || b == 1)) continue;
      if (rng.Bernoulli(extra)) links.emplace_back(ids[a], ids[b]);
    }
  }
  spec.links = links;
  p.system = std::move(BuildSystem(spec)).value();

  const int num_cnns = pick(1, options.max_cnns);
  const bool exits = rng.Bernoulli(0.4);
  for (int c = 0; c < num_cnns; ++c) {
    Cnn cnn;
    cnn.name = "c" + std::to_string(c);
    cnn.source = static_cast<int>(rng.Below(num_sources));
    cnn.sink = static_cast<int>(rng.Below(num_sinks));
    cnn.input_bytes = 1000 * pick(1, 50);
    const int m = pick(2, std::max(2, options.max_layers));
    for (int j = 0; j < m; ++j) {
      Layer l;
      l.name = "L" + std::to_string(j + 1);
      l.memory_bytes = 500 * pick(1, 8);
      l.mults = 1e5 * pick(1, 40);
      l.output_bytes = 1000 * pick(1, 60);
      if (exits && j + 1 < m && rng.Bernoulli(0.3)) l.exit_prob = rng.Uniform(0.1, 0.9);
      cnn.layers.push_back(l);
    }
    cnn.decision_bytes = rng.Bernoulli(0.5) ? cnn.layers.back().output_bytes : 40;
    p.cnns.push_back(cnn);
  }
  // Shared layers: CNN 1 copies the first k layers of CNN 0 and shares them.
  if (num_cnns >= 2 && rng.Bernoulli(0.4)) {
    const int k =
        pick(1, static_cast<int>(std::min(p.cnns[0].layers.size(), p.cnns[1].layers.size())) - 1);
    for (int j = 0; j < k; ++j) {
      Layer copy = p.cnns[0].layers[j];
      copy.exit_prob = p.cnns[1].layers[j].exit_prob;
      p.cnns[1].layers[j] = copy;
      p.shared.push_back({LayerRef{0, j}, LayerRef{1, j}});
    }
  }
  p.max_layers_per_unit = rng.Bernoulli(0.5) ? pick(1, 3) : 0;
  p.objective = rng.Bernoulli(0.3) ? Objective::kMax : Objective::kSum;
  p.cost_convention = rng.Bernoulli(0.3) ? CostConvention::kPublishedV1 : CostConvention::kPaper;
  return p;
}

void AddRandomSplits(uint64_t seed, Problem& problem) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 5);
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(rng.Below(hi - lo + 1)); };
  const std::vector<PartitionKind> all = {PartitionKind::kOutChannels, PartitionKind::kInChannels,
                                          PartitionKind::kFused, PartitionKind::kSpatial};
  for (Cnn& cnn : problem.cnns) {
    Partitioning part;
    for (PartitionKind k : all) {
      if (rng.Bernoulli(0.7)) part.kinds.push_back(k);
    }
    if (part.kinds.empty()) part.kinds.push_back(all[rng.Below(all.size())]);
    part.max_parts = pick(2, 3);
    part.granules = pick(2, 4);
    cnn.partitioning = part;
    int64_t input = cnn.input_bytes;
    for (size_t j = 0; j < cnn.layers.size(); ++j) {
      Layer& l = cnn.layers[j];
      LayerSplit s;
      s.out_units = 4 * pick(1, 16);
      s.in_units = rng.Bernoulli(0.8) ? 4 * pick(1, 16) : 0;
      // Part figures are whole multiples of the split units, so shares are exact.
      const bool has_merge = rng.Bernoulli(0.3);
      const int64_t merge_memory = has_merge ? l.memory_bytes / 4 : 0;
      const double merge_mults = has_merge ? l.mults / 4 : 0;
      s.out_part_memory_bytes = l.memory_bytes - merge_memory;
      s.out_part_mults = l.mults - merge_mults;
      s.out_merge_memory_bytes = merge_memory;
      s.out_merge_mults = merge_mults;
      s.out_part_output_bytes = l.output_bytes;
      s.in_part_memory_bytes = l.memory_bytes * 3 / 4;
      s.in_part_mults = l.mults * 0.75;
      s.in_merge_memory_bytes = l.memory_bytes - s.in_part_memory_bytes;
      s.in_merge_mults = l.mults - s.in_part_mults;
      s.partial_sum_bytes = l.output_bytes * pick(1, 2);
      s.input_bytes = input;
      input = l.output_bytes;
      l.split = s;
    }
    // Fusable: no merge work here, and the next layer's input units a multiple
    // of this layer's output units.
    for (size_t j = 0; j + 1 < cnn.layers.size(); ++j) {
      LayerSplit& s = *cnn.layers[j].split;
      LayerSplit& next = *cnn.layers[j + 1].split;
      if (s.out_merge_mults == 0 && s.out_merge_memory_bytes == 0 && rng.Bernoulli(0.6)) {
        next.in_units = s.out_units * pick(1, 3);
        s.fusable_with_next = true;
      }
    }
  }
}

}  // namespace distcnn
