#include "distcnn/placement/plan.h"

#include "distcnn/placement/split_cost.h"

namespace distcnn {

const char* TransferKindName(TransferKind kind) {
  switch (kind) {
    case TransferKind::kSource:
      return "source";
    case TransferKind::kLink:
      return "link";
    case TransferKind::kExit:
      return "exit";
    case TransferKind::kScatter:
      return "scatter";
    case TransferKind::kGather:
      return "gather";
  }
  return "?";
}

namespace {

// The parts' granules, in order.
std::vector<int> SharesOf(const Placement& p) {
  std::vector<int> shares;
  for (const Part& q : p.parts) shares.push_back(q.granules);
  return shares;
}

// The plan-space rules of docs/cost-model.md for one split placement.
Status CheckSplit(const Cnn& cnn, int j, const Placement& p, bool in_shared_group, int units,
                  const std::string& at) {
  const Partitioning& part = cnn.partitioning;
  if (!CanSplit(cnn, j, p.kind, in_shared_group)) {
    std::string why;
    if (!part.enabled()) {
      why = "partitioning is off for CNN '" + cnn.name + "'";
    } else if (!part.allows(p.kind)) {
      why = "the CNN's partitioning does not allow it";
    } else if (in_shared_group) {
      why = "the layer is in a shared group, and shared layers are not split";
    } else if (cnn.layers[j].exit_prob > 0) {
      why = "the layer is a gate, and gates are not split";
    } else {
      why = "the kind does not apply to this layer (docs/cost-model.md)";
    }
    return InvalidArgument(at + ": cannot be split as " + PartitionKindName(p.kind) + ": " + why);
  }
  const int n = static_cast<int>(p.parts.size());
  if (n < 2 || n > part.max_parts) {
    return InvalidArgument(at + ": " + std::to_string(n) + " parts; a split has 2 to max_parts = " +
                           std::to_string(part.max_parts));
  }
  int granules = 0;
  bool merge_is_part = false;
  for (int k = 0; k < n; ++k) {
    const Part& q = p.parts[k];
    if (k > 0 && q.unit <= p.parts[k - 1].unit) {
      return InvalidArgument(at + ": parts must be on distinct units, in ascending unit order");
    }
    if (q.granules < 1) {
      return InvalidArgument(at + ": part on unit index " + std::to_string(q.unit) + " has " +
                             std::to_string(q.granules) + " granules; each part has at least 1");
    }
    granules += q.granules;
    merge_is_part = merge_is_part || q.unit == p.merge;
  }
  if (part.equal_shares) {
    if (SharesOf(p) != EqualShares(part.granules, n)) {
      return InvalidArgument(at +
                             ": the CNN's partitioning has shares: equal, and these parts' "
                             "shares are not G / " +
                             std::to_string(n) + " each");
    }
  }
  if (granules != part.granules) {
    return InvalidArgument(at + ": the parts hold " + std::to_string(granules) +
                           " granules, not the CNN's " + std::to_string(part.granules) +
                           " (they must cover the layer)");
  }
  if (p.merge < 0 || p.merge >= units || !merge_is_part) {
    return InvalidArgument(at + ": the merge unit must be one of the parts' units");
  }
  return Status::Ok();
}

}  // namespace

Result<Plan> Plan::Make(const Problem& problem, std::vector<std::vector<Placement>> layers) {
  const int n = problem.system.num_units();
  if (layers.size() != problem.cnns.size()) {
    return InvalidArgument("plan: " + std::to_string(layers.size()) + " CNNs, the problem has " +
                           std::to_string(problem.cnns.size()));
  }
  std::set<std::pair<int, int>> shared;
  for (const auto& group : problem.shared) {
    for (const LayerRef& r : group) shared.insert({r.cnn, r.layer});
  }
  Plan plan;
  for (size_t c = 0; c < layers.size(); ++c) {
    const Cnn& cnn = problem.cnns[c];
    const int m = static_cast<int>(cnn.layers.size());
    if (static_cast<int>(layers[c].size()) != m) {
      return InvalidArgument("plan: CNN '" + cnn.name + "' has " +
                             std::to_string(layers[c].size()) + " placed layers, the problem " +
                             std::to_string(m));
    }
    std::vector<int> span_first(m), span_last(m);
    std::vector<std::vector<int64_t>> part_units(m);
    // A spatial stack: the leading layers placed kSpatial, all alike.
    int stack = 0;
    while (stack < m && layers[c][stack].kind == PartitionKind::kSpatial) ++stack;
    for (int j = 0; j < m; ++j) {
      const Placement& p = layers[c][j];
      const std::string at = "plan: layer " + cnn.name + "." + cnn.layers[j].name;
      for (const Part& part : p.parts) {
        if (part.unit < 0 || part.unit >= n) {
          return InvalidArgument(at + ": unit index " + std::to_string(part.unit) +
                                 " is not one of the " + std::to_string(n) + " units");
        }
      }
      span_first[j] = span_last[j] = j;
      const bool shared_layer = shared.count({static_cast<int>(c), j}) > 0;
      switch (p.kind) {
        case PartitionKind::kWhole:
          if (p.parts.size() != 1) {
            return InvalidArgument(at + ": a whole layer has exactly one part, not " +
                                   std::to_string(p.parts.size()));
          }
          break;
        case PartitionKind::kOutChannels:
        case PartitionKind::kInChannels:
          RETURN_IF_ERROR(CheckSplit(cnn, j, p, shared_layer, n, at));
          part_units[j] = SplitUnitCounts(SplitUnits(cnn.layers[j], p.kind), SharesOf(p));
          break;
        case PartitionKind::kFused: {
          if (j > 0 && layers[c][j - 1].kind == PartitionKind::kFused &&
              span_first[j - 1] == j - 1 && span_last[j - 1] == j) {  // the pair's second
            if (!(p == layers[c][j - 1])) {
              return InvalidArgument(at +
                                     ": the second layer of a fused pair has the first's "
                                     "parts, shares and merge unit");
            }
            span_first[j] = j - 1;
            part_units[j] = part_units[j - 1];
            break;
          }
          if (j + 1 >= m || layers[c][j + 1].kind != PartitionKind::kFused) {
            return InvalidArgument(at +
                                   ": a fused layer is followed by the second layer of "
                                   "its pair, also fused");
          }
          RETURN_IF_ERROR(CheckSplit(cnn, j, p, shared_layer || shared.count({c, j + 1}), n, at));
          span_last[j] = j + 1;
          part_units[j] = SplitUnitCounts(SplitUnits(cnn.layers[j], p.kind), SharesOf(p));
          break;
        }
        case PartitionKind::kSpatial:
          if (j >= stack) {
            return InvalidArgument(at +
                                   ": a spatial stack starts at the CNN's first layer and "
                                   "runs through consecutive layers");
          }
          if (!(p == layers[c][0])) {
            return InvalidArgument(at +
                                   ": every layer of a spatial stack has the same parts, "
                                   "shares and merge unit");
          }
          if (j == 0) {  // the whole stack, before its rows are shared out
            for (int k = 0; k < stack; ++k) {
              RETURN_IF_ERROR(CheckSplit(cnn, k, p, shared.count({static_cast<int>(c), k}) > 0, n,
                                         "plan: layer " + cnn.name + "." + cnn.layers[k].name));
            }
          }
          span_first[j] = 0;
          span_last[j] = stack - 1;
          part_units[j] = SplitUnitCounts(SplitUnits(cnn.layers[stack - 1], p.kind), SharesOf(p));
          break;
      }
    }
    for (int j = 0; j < m; ++j) {
      for (int64_t units : part_units[j]) {
        if (units == 0) {
          return InvalidArgument("plan: layer " + cnn.name + "." + cnn.layers[j].name +
                                 ": a part holds no channel or row (the layer has too few "
                                 "for its shares)");
        }
      }
    }
    plan.span_first_.push_back(std::move(span_first));
    plan.span_last_.push_back(std::move(span_last));
    plan.part_units_.push_back(std::move(part_units));
  }
  plan.layers_ = std::move(layers);
  plan.DeriveTransfers(problem);
  return plan;
}

Plan Plan::Whole(const Problem& problem, const Assignment& assignment) {
  std::vector<std::vector<Placement>> layers(assignment.unit.size());
  for (size_t c = 0; c < assignment.unit.size(); ++c) {
    for (int u : assignment.unit[c]) layers[c].push_back({PartitionKind::kWhole, {Part{u}}});
  }
  Result<Plan> plan = Make(problem, std::move(layers));
  DISTCNN_CHECK(plan.ok());
  return *std::move(plan);
}

bool Plan::all_whole() const {
  for (const auto& cnn : layers_) {
    for (const Placement& p : cnn) {
      if (p.kind != PartitionKind::kWhole) return false;
    }
  }
  return true;
}

Assignment Plan::ToAssignment() const {
  DISTCNN_CHECK(all_whole());
  Assignment a;
  a.unit.resize(layers_.size());
  for (size_t c = 0; c < layers_.size(); ++c) {
    for (const Placement& p : layers_[c]) a.unit[c].push_back(p.parts.front().unit);
  }
  return a;
}

void Plan::DeriveTransfers(const Problem& problem) {
  const IoTSystem& sys = problem.system;
  transfers_.assign(layers_.size(), {});
  // Ends are named by their own ids: a source or sink merged `at:` a unit
  // shares the unit's vertex but keeps its name.
  auto add = [&](std::vector<Transfer>& out, Transfer t) {
    if (t.from_id.empty()) t.from_id = sys.vertex_ids[t.from_vertex];
    if (t.to_id.empty()) t.to_id = sys.vertex_ids[t.to_vertex];
    t.path = sys.graph.ShortestPath(t.from_vertex, t.to_vertex);
    for (int v : t.path) {
      if (v < sys.num_units()) units_taking_part_.insert(v);
    }
    out.push_back(std::move(t));
  };
  for (size_t c = 0; c < layers_.size(); ++c) {
    const Cnn& cnn = problem.cnns[c];
    const int m = static_cast<int>(cnn.layers.size());
    if (m == 0) continue;
    const int ci = static_cast<int>(c);
    const std::vector<double> p = RunProbabilities(cnn);
    const std::vector<double> g = ExitProbabilities(cnn);
    std::vector<Transfer>& out = transfers_[c];
    // Whatever carries layer k's input from `from` (vertex; named `from_id`).
    auto into = [&](int k, int from, const std::string& from_id) {
      const Placement& pl = layers_[c][k];
      const int64_t bytes = k == 0 ? cnn.input_bytes : cnn.layers[k - 1].output_bytes;
      if (pl.kind == PartitionKind::kWhole) {
        add(out, {k == 0 ? TransferKind::kSource : TransferKind::kLink,
                  k - 1,
                  k,
                  p[k],
                  from,
                  pl.parts.front().unit,
                  from_id,
                  "",
                  {},
                  bytes});
        return;
      }
      for (size_t q = 0; q < pl.parts.size(); ++q) {
        const int64_t part_bytes =
            SpanPartFigures(cnn, k, span_last_[c][k], pl.kind, part_units_[c][k], q)
                .front()
                .input_bytes;
        add(out, {TransferKind::kScatter,
                  k - 1,
                  k,
                  p[k],
                  from,
                  pl.parts[q].unit,
                  from_id,
                  "",
                  {},
                  part_bytes,
                  static_cast<int>(q)});
      }
    };
    const Endpoint& source = sys.sources[cnn.source];
    into(0, source.vertex, source.id);
    for (int j = 0; j < m; ++j) {
      const Placement& pl = layers_[c][j];
      for (const Part& part : pl.parts) units_taking_part_.insert(part.unit);
      if (!SpanEnds(ci, j)) continue;  // nothing leaves a span before its last layer
      if (pl.kind != PartitionKind::kWhole) {
        for (size_t q = 0; q < pl.parts.size(); ++q) {
          if (pl.parts[q].unit == pl.merge) continue;
          const int64_t bytes =
              SpanPartFigures(cnn, span_first_[c][j], j, pl.kind, part_units_[c][j], q)
                  .back()
                  .output_bytes;
          add(out, {TransferKind::kGather,
                    j,
                    j,
                    p[j],
                    pl.parts[q].unit,
                    pl.merge,
                    "",
                    "",
                    {},
                    bytes,
                    static_cast<int>(q)});
        }
      }
      if (IsExit(cnn, j)) {
        add(out, {TransferKind::kExit,
                  j,
                  -1,
                  g[j],
                  OutputUnit(ci, j),
                  sys.sinks[cnn.sink].vertex,
                  "",
                  sys.sinks[cnn.sink].id,
                  {},
                  cnn.decision_bytes});
      }
      if (j + 1 < m) into(j + 1, OutputUnit(ci, j), "");
    }
  }
}

}  // namespace distcnn
