// Problem: everything the placement solvers need, as plain data: the IoT system,
// the CNNs (each a chain of placeable layers), shared-layer groups and options.
// Built by the scenario loader or by generators; validated by ValidateProblem().
// Immutable during a solve; safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/profile/layer_split.h"
#include "distcnn/system/iot_system.h"

namespace distcnn {

struct Layer {
  std::string name;
  int64_t memory_bytes = 0;  // m_j: weights
  double mults = 0;          // c_j: multiplications per frame
  int64_t output_bytes = 0;  // K_j: what it forwards to the next layer
  double exit_prob = 0;      // nu_j: probability the decision is taken here
  // What a split of this layer costs (docs/cost-model.md); set only for a CNN
  // with partitioning on, from its model graph.
  std::optional<LayerSplit> split = std::nullopt;
};

// How a layer is placed (docs/cost-model.md): whole on one unit, or split.
enum class PartitionKind { kWhole, kOutChannels, kInChannels, kFused, kSpatial };
const char* PartitionKindName(PartitionKind kind);  // "whole", "out_channels", ...
// Errors (kInvalidArgument): an unknown name, listing the known ones.
Result<PartitionKind> ParsePartitionKind(const std::string& name);

// A CNN's `partitioning:` (docs/scenario.md). No kinds: off.
struct Partitioning {
  std::vector<PartitionKind> kinds;  // split kinds the planner may use
  int max_parts = 2;                 // K: at most this many parts per split layer
  int granules = 8;                  // G: shares are whole granules, summing to G
  // `shares: equal`: a split over k units gives each G/k granules (the first
  // G mod k parts one more), as DeeperThings does; the default lets every
  // share vector be planned.
  bool equal_shares = false;
  bool enabled() const { return !kinds.empty(); }
  bool allows(PartitionKind kind) const;
};

struct Cnn {
  std::string name;
  int source = 0;              // index into IoTSystem::sources
  int sink = 0;                // index into IoTSystem::sinks
  int64_t input_bytes = 0;     // K_s
  int64_t decision_bytes = 0;  // D, sent to the sink at any exit
  std::vector<Layer> layers;
  Partitioning partitioning;
};

struct LayerRef {
  int cnn = 0;
  int layer = 0;
  bool operator==(const LayerRef&) const = default;
};

enum class Objective { kSum, kMax };
enum class CostConvention { kPaper, kPublishedV1 };

struct Problem {
  std::string name;
  IoTSystem system;
  std::vector<Cnn> cnns;
  // Groups of layers with identical weights: one unit holds the group, its
  // resources count once.
  std::vector<std::vector<LayerRef>> shared;
  int max_layers_per_unit = 0;  // L; 0 means no limit
  Objective objective = Objective::kSum;
  CostConvention cost_convention = CostConvention::kPaper;

  int num_units() const { return system.num_units(); }
  const Layer& layer(LayerRef r) const { return cnns[r.cnn].layers[r.layer]; }
  std::string LayerName(LayerRef r) const {
    return cnns[r.cnn].name + "." + cnns[r.cnn].layers[r.layer].name;
  }
};

// `problem` once the units in `failed` are gone (failover, docs/runtime.md):
// they keep their indices, so vertex numbers stay valid, but lose every radio
// link, so no route crosses them and no CNN can use them (CostModel's
// eligibility: a unit must be reachable from the source and the sink).
Problem WithoutUnits(Problem problem, const std::set<int>& failed);

// `problem` without the CNNs in `removed` (their source or sink failed): the
// others keep their order; shared groups lose the removed CNNs' layers, and a
// group left with one layer is no group.
Problem WithoutCnns(Problem problem, const std::set<int>& removed);

// Checks the invariants every solver relies on (non-negative sizes, exit
// probabilities in [0, 1], shared groups of identical layers, valid indices).
Status ValidateProblem(const Problem& problem);

// The contract's probabilities, defined here once: p_j, that layer j runs
// (p_0 = 1, p_{j+1} = p_j (1 - nu_j)), one entry per layer; g_j, that the
// decision is taken at layer j (p_j nu_j, and p_M for the last layer).
std::vector<double> RunProbabilities(const Cnn& cnn);
std::vector<double> ExitProbabilities(const Cnn& cnn);
// True when layer j sends a decision to the sink: exit_prob > 0 or the last layer.
bool IsExit(const Cnn& cnn, int j);
// True when `kind` may split layer j of `cnn` (docs/cost-model.md, "The plan
// space"): partitioning allows the kind, the layer has split figures and the
// kind applies to it, and the layer is neither a gate nor in a shared group
// (`in_shared_group`). kFused asks about the pair (j, j+1); kSpatial whether
// layer j may be in the spatial stack at the CNN's start (the profile marks
// only the leading run of row-local layers, so a stack of k layers is allowed
// when layers 0..k-1 each are).
bool CanSplit(const Cnn& cnn, int j, PartitionKind kind, bool in_shared_group);
// The shares of an equal split of G granules over `parts` units.
std::vector<int> EqualShares(int granules, int parts);
// True when some CNN of `problem` has partitioning on.
bool AnyPartitioning(const Problem& problem);

// A fingerprint of everything that planning reads from a problem: units and
// their types, the radio graph (every edge) and rate, sources and sinks, the
// CNNs' layers, shared groups, L, objective and cost convention (names of
// units and layers included; the scenario's name and positions excluded, since
// the graph stands for them). "fnv1a64:" and 16 hex digits. A plan records it
// so that `run --plan` can tell a plan made for another scenario.
std::string ProblemDigest(const Problem& problem);

const char* ObjectiveName(Objective o);
const char* CostConventionName(CostConvention c);

}  // namespace distcnn
