#include "distcnn/cli/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "distcnn/cli/exit_status.h"
#include "distcnn/sim/study_loader.h"
#include "distcnn/sim/sweep.h"
#include "distcnn/sim/sweep_report.h"

namespace distcnn {

namespace {

std::string Duration(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600,
                  static_cast<int>(s) % 3600 / 60);
  }
  return buf;
}

// A bar redrawn in place on a terminal; elsewhere (logs, CI) a line every few seconds.
class ProgressDisplay {
 public:
  ProgressDisplay() : tty_(isatty(STDERR_FILENO) == 1) {}

  void Update(const SweepProgress& p) {
    const bool last = p.done >= p.total;
    const double since = p.elapsed_s - last_print_s_;
    if (!last && since < (tty_ ? 0.2 : 5.0)) return;
    last_print_s_ = p.elapsed_s;
    const double frac = p.total ? static_cast<double>(p.done) / p.total : 1.0;
    const std::string eta =
        p.done > 0 && !last ? ", ETA " + Duration(p.elapsed_s * (1 - frac) / frac) : "";
    char line[160];
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(frac * kWidth);
      std::string bar(filled, '#');
      bar += std::string(kWidth - filled, '.');
      std::snprintf(line, sizeof line, "\r[%s] %5.1f %% %lld/%lld solves, %s%s   ", bar.c_str(),
                    100 * frac, static_cast<long long>(p.done), static_cast<long long>(p.total),
                    Duration(p.elapsed_s).c_str(), eta.c_str());
      std::fputs(line, stderr);
      if (last) std::fputs("\n", stderr);
    } else {
      std::snprintf(line, sizeof line, "sweep: %lld/%lld solves (%.1f %%), %s%s\n",
                    static_cast<long long>(p.done), static_cast<long long>(p.total), 100 * frac,
                    Duration(p.elapsed_s).c_str(), eta.c_str());
      std::fputs(line, stderr);
    }
    std::fflush(stderr);
  }

 private:
  bool tty_;
  double last_print_s_ = -1e9;
};

}  // namespace

int RunSweepCommand(const SweepFlags& flags) {
  Result<Study> loaded = LoadStudyFile(flags.study_path);
  if (!loaded.ok()) return Fail(loaded.status());
  Study study = std::move(loaded).value();
  if (flags.seed) study.seed = *flags.seed;
  if (flags.solver) study.solver = *flags.solver;
  if (flags.systems) {
    if (*flags.systems < 1) return Fail(InvalidArgument("--systems must be >= 1"));
    study.num_systems = *flags.systems;
  }
  int jobs = flags.jobs;
  if (jobs < 0) return Fail(InvalidArgument("--jobs must be >= 1"));
  if (jobs == 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::string out_dir = flags.out_dir.empty() ? "sweep-results/" + study.name : flags.out_dir;

  std::fprintf(
      stderr,
      "sweep %s: %lld solves (%d system(s) per cell) with solver '%s', %d job(s), seed %llu\n",
      study.name.c_str(), static_cast<long long>(SweepSolveCount(study)), study.num_systems,
      study.solver.c_str(), jobs, static_cast<unsigned long long>(study.seed));
  ProgressDisplay display;
  SweepOptions options;
  options.jobs = jobs;
  options.progress = [&display](const SweepProgress& p) { display.Update(p); };
  Result<SweepResult> result = RunSweep(study, options);
  if (!result.ok()) return Fail(result.status());

  std::vector<std::string> written, warnings;
  if (Status s = WriteSweepReports(study, *result, out_dir, &written, &warnings); !s.ok()) {
    return Fail(s);
  }
  for (const std::string& w : warnings) std::cerr << "warning: " << w << "\n";
  int64_t optimal = 0, with_plan = 0;
  for (const SweepRow& r : result->rows) {
    optimal += r.status == SolveStatus::kOptimal;
    with_plan += r.has_plan;
  }
  std::fprintf(
      stderr,
      "sweep %s: %zu solves in %.2f s wall time: %lld optimal, %lld with a plan, %lld without\n",
      study.name.c_str(), result->rows.size(), result->wall_time_s, static_cast<long long>(optimal),
      static_cast<long long>(with_plan), static_cast<long long>(result->rows.size() - with_plan));
  std::cerr << "wrote " << out_dir << "/{runs.csv, summary.csv, summary.md"
            << (warnings.empty() ? ", charts/*.svg" : "") << "}\n";
  return kExitOk;
}

}  // namespace distcnn
