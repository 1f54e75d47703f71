// `distcnn run`'s report: a text summary (per CNN: frames, latency mean / p50 /
// p99, predicted vs measured for each term of the cost model, gate exit rates;
// throughput against the busy-time bound; per unit: the layers it ran) and the
// same as JSON (docs/runtime.md lists the fields). Pure functions.
#pragma once

#include <string>

#include "distcnn/runtime/coordinator.h"

namespace distcnn::runtime {

std::string RunReportText(const RunReport& report);
std::string RunReportJson(const RunReport& report);

}  // namespace distcnn::runtime
