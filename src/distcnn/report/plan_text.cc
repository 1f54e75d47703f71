#include "distcnn/report/plan_text.h"

#include <cmath>

#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/split_cost.h"
#include "distcnn/report/text_format.h"

namespace distcnn {

namespace {

using report_internal::Format;
using report_internal::FormatBytes;
using report_internal::FormatMs;
using report_internal::FormatMults;
using report_internal::TextTable;

std::string Header(const Problem& problem) {
  std::string out = "Plan for scenario '" + problem.name + "'\n";
  out +=
      Format("  units %d, CNNs %d, L %s, objective %s, cost convention %s\n", problem.num_units(),
             static_cast<int>(problem.cnns.size()),
             problem.max_layers_per_unit > 0 ? std::to_string(problem.max_layers_per_unit).c_str()
                                             : "unlimited",
             ObjectiveName(problem.objective), CostConventionName(problem.cost_convention));
  return out;
}

std::string CnnSection(const CostModel& model, const Plan& plan, const CnnLatency& lat, int c) {
  const Problem& problem = model.problem();
  const IoTSystem& sys = problem.system;
  const Cnn& cnn = problem.cnns[c];
  const int m = static_cast<int>(cnn.layers.size());
  std::vector<int> unit;
  for (int j = 0; j < m; ++j) unit.push_back(plan.OutputUnit(c, j));
  bool has_exits = false;
  for (int j = 0; j + 1 < m; ++j) has_exits = has_exits || cnn.layers[j].exit_prob > 0;
  const std::vector<double> p = RunProbabilities(cnn);
  const std::vector<double> g = ExitProbabilities(cnn);

  std::string out = Format("CNN %s: %s ms (source %s, sink %s)\n", cnn.name.c_str(),
                           FormatMs(lat.total_s()).c_str(), sys.sources[cnn.source].id.c_str(),
                           sys.sinks[cnn.sink].id.c_str());
  std::vector<bool> right = {false, false, false, true, true, true};
  std::vector<std::string> head = {"layer", "unit", "type", "proc ms", "hops in", "hops to sink"};
  if (has_exits) {
    right.insert(right.end(), {true, true});
    head.insert(head.end(), {"p run", "exit g"});
  }
  TextTable table(right);
  table.AddRow(head);
  std::string split_lines;
  for (int j = 0; j < m; ++j) {
    const Placement& pl = plan.placement(c, j);
    const bool whole = pl.kind == PartitionKind::kWhole;
    if (!whole) {
      // A split layer: its row names the merge unit; its parts follow the table.
      split_lines +=
          Format("  %s split (%s): ", cnn.layers[j].name.c_str(), PartitionKindName(pl.kind));
      // A fused pair is shared out in its first layer's channels, a spatial
      // stack in its last layer's rows.
      const int shared_out = pl.kind == PartitionKind::kFused     ? plan.SpanFirst(c, j)
                             : pl.kind == PartitionKind::kSpatial ? plan.SpanLast(c, j)
                                                                  : j;
      const int64_t total = SplitUnits(cnn.layers[shared_out], pl.kind);
      for (size_t q = 0; q < pl.parts.size(); ++q) {
        // "(48 of 96)": the channels (neurons, groups, rows) the part holds.
        split_lines += Format(
            "%s%s %d/%d (%lld of %lld)", q ? ", " : "", sys.units[pl.parts[q].unit].id.c_str(),
            pl.parts[q].granules, cnn.partitioning.granules,
            static_cast<long long>(plan.PartUnits(c, j)[q]), static_cast<long long>(total));
      }
      split_lines += Format("; merge on %s\n", sys.units[pl.merge].id.c_str());
    }
    const int hops = j == 0 ? model.SourceHops(c, unit[0]) : model.Hops(unit[j - 1], unit[j]);
    std::vector<std::string> row = {
        cnn.layers[j].name, sys.units[unit[j]].id + (whole ? "" : " (merge)"),
        whole ? sys.units[unit[j]].type.name : PartitionKindName(pl.kind),
        whole ? FormatMs(model.ProcessingTime(c, j, unit[j])) : "split",
        // A split layer's input goes to each part: its scatter routes say how far.
        !whole || hops == HopGraph::kUnreachable ? "-" : std::to_string(hops),
        IsExit(cnn, j) ? std::to_string(model.SinkHops(c, unit[j])) : ""};
    if (has_exits) {
      row.push_back(Format("%.4g", p[j]));
      row.push_back(IsExit(cnn, j) ? Format("%.4g", g[j]) : "");
    }
    table.AddRow(std::move(row));
  }
  out += table.Render(2);
  out += split_lines;
  if (!plan.all_whole()) {
    out += Format("  split terms (ms): scatter %s  gather %s\n", FormatMs(lat.scatter_s).c_str(),
                  FormatMs(lat.gather_s).c_str());
  }
  out += Format(
      "  breakdown (ms): source %s  links %s  processing %s  sink %s  transmission %s  total %s\n",
      FormatMs(lat.source_s).c_str(), FormatMs(lat.links_s).c_str(),
      FormatMs(lat.processing_s).c_str(), FormatMs(lat.sink_s).c_str(),
      FormatMs(lat.transmission_s()).c_str(), FormatMs(lat.total_s()).c_str());
  return out;
}

std::string UnitSection(const Problem& problem, const Evaluation& ev) {
  const std::string limit =
      problem.max_layers_per_unit > 0 ? std::to_string(problem.max_layers_per_unit) : "-";
  TextTable table({false, false, true, true, true, false});
  table.AddRow({"unit", "type", "layers", "memory used / limit", "mults / max", "holds"});
  int idle = 0;
  for (int i = 0; i < problem.num_units(); ++i) {
    const UnitLoad& load = ev.loads[i];
    if (load.layers.empty()) {
      ++idle;
      continue;
    }
    const Unit& u = problem.system.units[i];
    std::string holds;
    for (const LayerRef& r : load.layers)
      holds += (holds.empty() ? "" : " ") + problem.LayerName(r);
    table.AddRow({u.id, u.type.name, std::to_string(load.items) + "/" + limit,
                  FormatBytes(static_cast<double>(load.memory_bytes)) + " / " +
                      FormatBytes(static_cast<double>(u.type.memory_bytes)),
                  FormatMults(load.mults) + " / " + FormatMults(u.type.max_mults), holds});
  }
  std::string out = "Units\n" + table.Render(2);
  if (idle > 0) out += Format("  (%d idle unit%s not shown)\n", idle, idle == 1 ? "" : "s");
  return out;
}

}  // namespace

std::string PlanText(const CostModel& model, const SolveResult& result,
                     std::string_view infeasible_reason) {
  const Problem& problem = model.problem();
  const bool has_plan = result.plan.has_value() && result.status != SolveStatus::kInfeasible;
  std::string out = Header(problem);
  out += Format("Status     %s\n", SolveStatusName(result.status));
  if (!has_plan) {
    std::string reason(infeasible_reason);
    if (reason.empty()) reason = result.note;
    if (reason.empty()) {
      reason = result.status == SolveStatus::kInfeasible ? "no feasible plan exists"
                                                         : "no plan found within the limits";
    }
    out += "Reason     " + reason + "\n";
    out += Format("Solver     %s (%.3f s, %lld nodes)\n", result.solver.c_str(),
                  result.solve_time_s, static_cast<long long>(result.nodes));
    return out;
  }
  const Evaluation ev = Evaluate(model, *result.plan);
  const double bound = std::min(result.bound_s, ev.objective_s);
  out += Format("Objective  %s ms (%s over CNNs)\n", FormatMs(ev.objective_s).c_str(),
                ObjectiveName(problem.objective));
  out += Format("Bound      %s ms\n", FormatMs(bound).c_str());
  const double gap = result.gap();
  out += Format("Gap        %s\n", std::isfinite(gap) ? Format("%.2f %%", 100 * gap).c_str() : "-");
  out += Format("Solver     %s (%.3f s, %lld nodes)\n", result.solver.c_str(), result.solve_time_s,
                static_cast<long long>(result.nodes));
  if (!result.note.empty()) out += "Note       " + result.note + "\n";
  for (const std::string& v : ev.violations) out += "VIOLATION  " + v + "\n";
  for (int c = 0; c < model.num_cnns(); ++c) {
    out += "\n" + CnnSection(model, *result.plan, ev.cnns[c], c);
  }
  out += "\n" + UnitSection(problem, ev);
  return out;
}

}  // namespace distcnn
