// Study: a Monte-Carlo experiment as plain data — the random-system protocol
// (area, units, device mixes, technologies, sources, sinks, connectivity), the
// CNN configurations, the values of L, the cost conventions and the number of
// random systems. Loaded from YAML by LoadStudyFile (study_loader.h), run by
// RunSweep (sweep.h). Immutable while a sweep runs; safe to share between threads.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "distcnn/placement/problem.h"
#include "distcnn/system/random_system.h"

namespace distcnn {

// One device mix of the protocol, e.g. "50-50": {stm32h7: 0.5, rpi3bplus: 0.5}.
struct DeviceMix {
  std::string name;
  std::vector<DeviceShare> shares;  // proportions sum to 1
};

// One CNN configuration: the CNNs placed together on each random system. CNN u
// reads from source `cnns[u].source` and reports to sink `cnns[u].sink`
// (indices into the random system's sources and sinks).
struct StudyConfiguration {
  std::string name;
  std::vector<Cnn> cnns;
  std::vector<std::vector<LayerRef>> shared;  // groups of identical layers held once
};

// What a sweep does with a connected system that cannot host a configuration
// at some L (study key `protocol: feasibility`). The redraw rules replace it by
// the next connected draw of its stream that is feasible, so cells average
// `num_systems` systems conditioned on hosting (as connectivity conditions
// them on being connected).
enum class Feasibility {
  kKeep,           // `keep`: it stays; its rows say infeasible
  kRedrawPerCell,  // `redraw`: replaced only in the cells (configuration x L) it cannot host
  // `redraw-shared`: replaced at that L for every configuration, so the
  // configurations of a study share their systems at each L (the paper's tables)
  kRedrawShared,
};

struct Study {
  std::string name;
  std::string path;       // the file it was loaded from, for messages ("" if built in code)
  int protocol_line = 0;  // line of `protocol:` in `path`, for messages

  uint64_t seed = 1;      // study seed; system k uses DeriveSystemSeed(seed, k)
  int num_systems = 100;  // random systems per cell

  // The random-system protocol (the paper's Section 6.2).
  double side_m = 30;     // the area is side_m x side_m
  int num_units = 30;     // N
  int num_sources = 1;    // placed uniformly in the area
  int num_sinks = 1;      // placed uniformly in the area
  int max_draws = 10000;  // per system: disconnected draws before giving up
  Feasibility feasibility = Feasibility::kKeep;
  int max_infeasible_draws = 1000;  // per system, before giving up (redraw rules)
  std::vector<DeviceMix> mixes;
  std::vector<Technology> technologies;

  std::vector<StudyConfiguration> configurations;
  std::vector<int> layer_limits;  // values of L; 0 is "C" (no limit)
  std::vector<CostConvention> conventions;
  Objective objective = Objective::kSum;

  std::string solver = "exact";  // MakeSolver() name
  double time_limit_s = 60;      // per solve; infinity for none
};

// Seed of random system `index` of a study: a function of the study seed and
// the index only (never of the job that draws it), so results do not depend on
// --jobs. Every mix and technology uses the same seed for the same index, so
// cells share positions (common random numbers).
uint64_t DeriveSystemSeed(uint64_t study_seed, uint64_t index);

// Seed of draw `attempt` of system `index`: attempt 0 is DeriveSystemSeed;
// later attempts (systems redrawn because infeasible) derive from it.
uint64_t DeriveAttemptSeed(uint64_t study_seed, uint64_t index, uint64_t attempt);

// Seed of the stream whose first draws CheckConnectionRate examines.
uint64_t ConnectionCheckSeed(uint64_t study_seed);

// "C" for 0, else the number.
std::string LayerLimitName(int layer_limit);

// The protocol of `study` for one mix and technology, as DrawConnectedSystem takes it.
RandomSystemOptions SystemOptions(const Study& study, int mix, int technology);

}  // namespace distcnn
