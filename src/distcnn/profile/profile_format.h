// Text forms of a ModelProfile: an aligned table for people (KB = 1000 B,
// multiplications in millions, as in the paper's tables), CSV and JSON for
// programs (exact integers, SI units), optionally with measured per-layer
// times (`distcnn profile --measure`). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distcnn/profile/profiler.h"

namespace distcnn {

// What `distcnn profile --measure` adds to a profile: per-layer wall times on
// one host (runtime/layer_timing.h) and the device type they suggest for a
// scenario (shared/spec/scenario.md, device_types).
struct ProfileMeasurement {
  std::vector<double> layer_time_s;  // one per profile layer, in order; seconds, > 0
  double mults_per_s = 0;            // the effective rate: total mults / total time
  std::string kernels;               // the kernel backend timed, e.g. "reference"
  int repeat = 0;                    // timed runs per layer (median reported)
  bool cold = false;                 // caches evicted before each run
  std::string device_name = "host";  // the device type the snippet defines
  int64_t memory_bytes = 0;          // its memory_bytes (a multiple of 1 MiB)
};

// The scenario snippet for a measurement (ends with a newline):
//   device_types:
//     host: {memory_bytes: "12052 MiB", mults_per_s: 1235e6}
// mults_per_s rounded to whole millions (or whole units below 1e8).
std::string FormatDeviceTypeSnippet(const ProfileMeasurement& measured);

// The CNN's layer table in the scenario format with time-equivalent mults:
// each layer's measured time x measured.mults_per_s, so that a plan on the
// snippet's device type predicts each layer's measured time (layer types run
// at very different speeds: a 3-channel conv or an FC layer far below a deep
// conv). Exit layers are marked by a comment (their exit_prob is the user's).
std::string FormatTimeEquivalentLayers(const ModelProfile& p, const ProfileMeasurement& measured);

// With `measured` (its layer_time_s has one entry per layer): adds the
// columns "measured ms" and "Mmults/s" (mults / time), their totals, the
// effective rate and the device_types snippet.
std::string FormatProfileTable(const ModelProfile& profile,
                               const ProfileMeasurement* measured = nullptr);
// One row per layer; columns documented in docs/models.md. With `measured`:
// columns measured_ms and mults_per_s, and a last row with layer "total"
// (empty index) whose measured_ms is the sum and mults_per_s the effective rate.
std::string FormatProfileCsv(const ModelProfile& profile,
                             const ProfileMeasurement* measured = nullptr);
// {"model", "granularity", "input", "input_bytes", "params", ..., "layers": [...],
// "ops": [...]}; documented in docs/models.md. With `measured`: measured_ms and
// mults_per_s per layer and a "measured" object (kernels, repeat, total_ms,
// mults_per_s, device_type {name, memory_bytes, mults_per_s}).
std::string FormatProfileJson(const ModelProfile& profile,
                              const ProfileMeasurement* measured = nullptr);

}  // namespace distcnn
