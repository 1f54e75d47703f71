#include "distcnn/sim/study.h"

#include "distcnn/base/rng.h"

namespace distcnn {

uint64_t DeriveSystemSeed(uint64_t study_seed, uint64_t index) {
  // Two SplitMix64 steps over a combination of both: nearby seeds and indices
  // give unrelated streams.
  Rng rng(study_seed * 0xd1342543de82ef95ULL + index);
  rng.Next();
  return rng.Next();
}

uint64_t DeriveAttemptSeed(uint64_t study_seed, uint64_t index, uint64_t attempt) {
  const uint64_t first = DeriveSystemSeed(study_seed, index);
  return attempt == 0 ? first : DeriveSystemSeed(first, attempt);
}

uint64_t ConnectionCheckSeed(uint64_t study_seed) {
  return DeriveSystemSeed(study_seed ^ 0x636f6e6e65637421ULL, 0);
}

std::string LayerLimitName(int layer_limit) {
  return layer_limit == 0 ? "C" : std::to_string(layer_limit);
}

RandomSystemOptions SystemOptions(const Study& study, int mix, int technology) {
  RandomSystemOptions o;
  o.side_m = study.side_m;
  o.num_units = study.num_units;
  o.mix = study.mixes[mix].shares;
  o.technology = study.technologies[technology];
  o.num_sources = study.num_sources;
  o.num_sinks = study.num_sinks;
  o.max_draws = study.max_draws;
  return o;
}

}  // namespace distcnn
