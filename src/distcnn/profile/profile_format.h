// Text forms of a ModelProfile: an aligned table for people (KB = 1000 B,
// multiplications in millions, as in the paper's tables), CSV and JSON for
// programs (exact integers, SI units). Pure functions; thread-safe.
#pragma once

#include <string>

#include "distcnn/profile/profiler.h"

namespace distcnn {

std::string FormatProfileTable(const ModelProfile& profile);
// One row per layer; columns documented in docs/models.md.
std::string FormatProfileCsv(const ModelProfile& profile);
// {"model", "granularity", "input", "input_bytes", "params", ..., "layers": [...],
// "ops": [...]}; documented in docs/models.md.
std::string FormatProfileJson(const ModelProfile& profile);

}  // namespace distcnn
