// The plan as an SVG drawing in the style of the paper's Figures 1-3: the area
// with a metre scale bar, units drawn by device type, radio links, sources and
// sinks, and each CNN's layer path along its real multi-hop routes (one colour
// per CNN; exits to the sink dashed and labelled with g_j). Pure string output
// (no external libraries), valid XML. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/solver.h"
#include "distcnn/system/iot_system.h"

namespace distcnn {

// Where each hop-graph vertex is drawn.
struct VertexLayout {
  std::vector<Position> pos;  // index = vertex; metres when `metric`
  // True when the scenario's own positions are used: every vertex has one and no
  // two vertices coincide. Otherwise a deterministic spring layout (started on a
  // circle in vertex order) in arbitrary units, and no scale bar is drawn.
  bool metric = false;
};
VertexLayout ComputeVertexLayout(const IoTSystem& system);

struct PlanSvgOptions {
  double max_plot_width_px = 760;   // the area is scaled to fit this box
  double max_plot_height_px = 560;  // (aspect ratio kept)
};

// Renders `result` (solved on `model`). Without a plan it draws the system and
// states the status and the reason (`infeasible_reason`, else result.note).
// Each unit is one <g class="unit" data-id="..."> element. Never fails.
std::string PlanSvg(const CostModel& model, const SolveResult& result,
                    std::string_view infeasible_reason = {}, const PlanSvgOptions& options = {});

}  // namespace distcnn
