// Reports of a sweep: runs.csv (one row per system x configuration x L x
// convention), summary.csv and summary.md (mean +- std per cell in the paper's
// layout) and latency-vs-L charts drawn by gnuplot as SVG. Pure functions that
// build text, plus WriteSweepReports, which writes the files and runs gnuplot
// as a subprocess (its output goes to a log file; nothing is printed).
#pragma once

#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/sim/study.h"
#include "distcnn/sim/sweep.h"

namespace distcnn {

struct MeanStd {
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1); 0 for n < 2
};

// One cell: configuration x mix x technology x L x convention.
struct CellSummary {
  int configuration = 0;
  int mix = 0;
  int technology = 0;
  int layer_limit = 0;
  CostConvention convention = CostConvention::kPaper;
  int systems = 0;     // rows in the cell
  int with_plan = 0;   // rows with a plan (optimal or feasible); the statistics use these
  int optimal = 0;     // rows proven optimal
  int infeasible = 0;  // rows proven infeasible
  MeanStd latency_ms, transmission_ms, processing_ms;
  double max_gap = 0;
  double solve_time_mean_s = 0, solve_time_max_s = 0;  // timing
};

// Cells in study order: configuration, mix, technology, L, convention.
std::vector<CellSummary> Summarize(const Study& study, const SweepResult& result);

// Timing columns (their values differ from run to run); every other column is
// a deterministic function of the study and the seed.
const std::vector<std::string>& RunsCsvTimingColumns();     // {"solve_time_s"}
const std::vector<std::string>& SummaryCsvTimingColumns();  // solve_time_*

std::string RunsCsv(const Study& study, const SweepResult& result);
std::string SummaryCsv(const Study& study, const std::vector<CellSummary>& cells);
// Mean +- std in ms, in the paper's layout: one table per cost convention (and
// per technology when there are several mixes), rows configuration x L,
// column groups per mix (or per technology), each t_t, t_p, t.
std::string SummaryMarkdown(const Study& study, const SweepResult& result,
                            const std::vector<CellSummary>& cells);

// Writes runs.csv, summary.csv, summary.md and charts/*.svg into `dir`
// (created if missing). Charts need gnuplot: when it is missing or fails, a
// message is appended to `warnings` and the charts are skipped. `written`
// receives the paths written. Errors: kIoError (cannot write a file).
Status WriteSweepReports(const Study& study, const SweepResult& result, const std::string& dir,
                         std::vector<std::string>* written, std::vector<std::string>* warnings);

}  // namespace distcnn
