#include "distcnn/sim/sweep.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

namespace distcnn {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Identifies one random system: a mix, a technology and an index.
struct WorkItem {
  int mix = 0;
  int technology = 0;
  int system = 0;
};

std::string Context(const Study& study) {
  std::string c = study.path.empty() ? study.name : study.path;
  if (study.protocol_line > 0) c += ":" + std::to_string(study.protocol_line);
  return c + ": protocol";
}

class SweepRunner {
 public:
  SweepRunner(const Study& study, const SweepOptions& options) : study_(study), options_(options) {
    for (const DeviceMix& m : study.mixes) {
      for (const DeviceShare& s : m.shares) {
        if (std::find(device_types_.begin(), device_types_.end(), s.type.name) ==
            device_types_.end()) {
          device_types_.push_back(s.type.name);
        }
      }
    }
    for (int m = 0; m < static_cast<int>(study.mixes.size()); ++m) {
      for (int t = 0; t < static_cast<int>(study.technologies.size()); ++t) {
        for (int k = 0; k < study.num_systems; ++k) items_.push_back({m, t, k});
      }
    }
    rows_per_item_ = static_cast<int64_t>(study.configurations.size()) * study.layer_limits.size() *
                     study.conventions.size();
  }

  Result<SweepResult> Run();

 private:
  // One connected draw of a work item's system: attempt 0 is the system
  // itself; under a redraw rule (Study::feasibility), later attempts replace it
  // where it is infeasible.
  struct Draw {
    uint64_t seed = 0;
    int disconnected = 0;  // disconnected draws up to this attempt
    IoTSystem system;
    std::vector<int> type_index;  // per unit, into device_types_
  };
  // Makes (*draws)[attempt] draw `attempt` of `item`, drawing the attempts
  // before it as needed.
  Status DrawUpTo(const WorkItem& item, int attempt, std::vector<Draw>* draws) const;
  SweepRow MakeRow(const WorkItem& item, const Draw& draw, int attempt, const CostModel& model,
                   const SolveResult& r, bool reused) const;
  // Solves every configuration x L x convention of one system; rows go to
  // `out` in file order.
  Status RunItem(const WorkItem& item, Solver& solver, std::vector<SweepRow>* out) const;
  void Worker(Solver& solver);

  const Study& study_;
  const SweepOptions& options_;
  std::vector<std::string> device_types_;
  std::vector<WorkItem> items_;
  int64_t rows_per_item_ = 0;

  std::vector<std::vector<SweepRow>> results_;  // per item
  std::vector<std::optional<Status>> errors_;   // per item
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex progress_mutex_;
  int64_t done_ = 0;  // guarded by progress_mutex_
  Clock::time_point start_;
};

Status SweepRunner::DrawUpTo(const WorkItem& item, int attempt, std::vector<Draw>* draws) const {
  while (static_cast<int>(draws->size()) <= attempt) {
    const uint64_t seed =
        DeriveAttemptSeed(study_.seed, static_cast<uint64_t>(item.system), draws->size());
    Result<RandomSystem> drawn =
        DrawConnectedSystem(SystemOptions(study_, item.mix, item.technology), seed);
    if (!drawn.ok()) {
      return drawn.status().WithContext(Context(study_) + ": system " +
                                        std::to_string(item.system) + " (seed " +
                                        std::to_string(seed) + ")");
    }
    Draw d;
    d.seed = seed;
    d.disconnected = drawn->rejected_draws + (draws->empty() ? 0 : draws->back().disconnected);
    d.system = std::move(drawn->system);
    for (const Unit& unit : d.system.units) {
      d.type_index.push_back(
          static_cast<int>(std::find(device_types_.begin(), device_types_.end(), unit.type.name) -
                           device_types_.begin()));
    }
    draws->push_back(std::move(d));
  }
  return Status::Ok();
}

SweepRow SweepRunner::MakeRow(const WorkItem& item, const Draw& draw, int attempt,
                              const CostModel& model, const SolveResult& r, bool reused) const {
  SweepRow row;
  row.mix = item.mix;
  row.technology = item.technology;
  row.system = item.system;
  row.seed = draw.seed;
  row.rejected_draws = draw.disconnected;
  row.infeasible_draws = attempt;
  row.status = r.status;
  row.reused = reused;
  row.solve_time_s = reused ? 0.0 : r.solve_time_s;
  row.nodes = reused ? 0 : r.nodes;
  row.units_per_type.assign(device_types_.size(), 0);
  row.has_plan = r.plan.has_value() &&
                 (r.status == SolveStatus::kOptimal || r.status == SolveStatus::kFeasible);
  if (row.has_plan) {
    const Evaluation e = Evaluate(model, *r.plan);
    for (const CnnLatency& lat : e.cnns) {
      row.transmission_s += lat.transmission_s();
      row.processing_s += lat.processing_s;
    }
    row.latency_s = row.transmission_s + row.processing_s;
    row.objective_s = e.objective_s;
    row.gap = r.gap();
    for (size_t u = 0; u < e.loads.size(); ++u) {
      if (!e.loads[u].layers.empty()) ++row.units_per_type[draw.type_index[u]];
    }
  }
  return row;
}

Status SweepRunner::RunItem(const WorkItem& item, Solver& solver,
                            std::vector<SweepRow>* out) const {
  SolveOptions solve_options;
  solve_options.time_limit_s = study_.time_limit_s;
  // Solves from the loosest L to the tightest. An optimal plan for a looser L
  // that also meets a tighter L is optimal for it (its feasible set is a
  // subset), and a problem proven infeasible stays infeasible when L shrinks:
  // such solves are skipped and the row says `reused`. For the same reason,
  // under a redraw rule the first feasible draw for a tighter L is never
  // before the one for a looser L, so the search for it goes on from there.
  std::vector<int> order(study_.layer_limits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  auto looseness = [&](int i) {
    const int l = study_.layer_limits[i];
    return l == 0 ? std::numeric_limits<int>::max() : l;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return looseness(a) > looseness(b); });
  const size_t num_conv = study_.conventions.size();
  const size_t num_configs = study_.configurations.size();
  out->assign(static_cast<size_t>(rows_per_item_), SweepRow{});
  std::vector<Problem> problems(num_configs);
  for (size_t c = 0; c < num_configs; ++c) {
    const StudyConfiguration& config = study_.configurations[c];
    problems[c].name = config.name;
    problems[c].cnns = config.cnns;
    problems[c].shared = config.shared;
    problems[c].objective = study_.objective;
  }
  std::vector<Draw> draws;
  RETURN_IF_ERROR(DrawUpTo(item, 0, &draws));
  std::vector<int> attempt(num_configs, 0);  // the draw each configuration uses now
  for (Problem& problem : problems) problem.system = draws[0].system;
  // Per configuration and convention, the result at the looser L on its draw.
  std::vector<std::vector<std::optional<SolveResult>>> looser(
      num_configs, std::vector<std::optional<SolveResult>>(num_conv));
  // Solves configuration c at L = layer_limits[li] for every convention on its
  // draw; false when that draw must be replaced (proven infeasible under a
  // redraw rule; feasibility does not depend on the convention, so the first
  // decides).
  auto solve_cell = [&](size_t c, int li) {
    Problem& problem = problems[c];
    const Draw& draw = draws[static_cast<size_t>(attempt[c])];
    problem.max_layers_per_unit = study_.layer_limits[li];
    const size_t config_base = c * study_.layer_limits.size() * num_conv;
    for (size_t v = 0; v < num_conv; ++v) {
      problem.cost_convention = study_.conventions[v];
      const CostModel model(problem);
      std::optional<SolveResult>& prior = looser[c][v];
      const bool reused = prior && (prior->status == SolveStatus::kInfeasible ||
                                    (prior->status == SolveStatus::kOptimal && prior->plan &&
                                     Evaluate(model, *prior->plan).feasible()));
      SolveResult r = reused ? *prior : solver.Solve(model, solve_options);
      if (r.status == SolveStatus::kInfeasible && study_.feasibility != Feasibility::kKeep) {
        return false;
      }
      SweepRow& row = (*out)[config_base + li * num_conv + v];
      row = MakeRow(item, draw, attempt[c], model, r, reused);
      row.configuration = static_cast<int>(c);
      row.layer_limit = problem.max_layers_per_unit;
      row.convention = study_.conventions[v];
      prior = std::move(r);
    }
    return true;
  };
  for (int li : order) {
    for (size_t c = 0; c < num_configs;) {
      if (solve_cell(c, li)) {
        ++c;
        continue;
      }
      const int next = attempt[c] + 1;
      if (next >= study_.max_infeasible_draws) {
        return Status(StatusCode::kUnavailable,
                      Context(study_) + ": system " + std::to_string(item.system) + ": " +
                          std::to_string(next) +
                          " connected draws in a row are infeasible for configuration '" +
                          study_.configurations[c].name +
                          "' at L = " + LayerLimitName(study_.layer_limits[li]) +
                          ": fewer than 1 in " + std::to_string(study_.max_infeasible_draws) +
                          " systems of this protocol can host it; use `feasibility: keep` "
                          "or give the protocol more capable devices");
      }
      RETURN_IF_ERROR(DrawUpTo(item, next, &draws));
      auto move_to_next = [&](size_t config) {
        attempt[config] = next;
        problems[config].system = draws[static_cast<size_t>(next)].system;
        std::fill(looser[config].begin(), looser[config].end(), std::nullopt);
      };
      if (study_.feasibility == Feasibility::kRedrawShared) {
        // Every configuration moves to the new draw at this L, from the first.
        for (size_t other = 0; other < num_configs; ++other) move_to_next(other);
        c = 0;
      } else {
        move_to_next(c);
      }
    }
  }
  return Status::Ok();
}

void SweepRunner::Worker(Solver& solver) {
  while (!failed_.load()) {
    const size_t i = next_.fetch_add(1);
    if (i >= items_.size()) return;
    Status s = RunItem(items_[i], solver, &results_[i]);
    if (!s.ok()) {
      errors_[i] = std::move(s);
      failed_.store(true);
      return;
    }
    std::lock_guard<std::mutex> lock(progress_mutex_);
    done_ += rows_per_item_;
    if (options_.progress) {
      options_.progress(SweepProgress{done_, rows_per_item_ * static_cast<int64_t>(items_.size()),
                                      SecondsSince(start_)});
    }
  }
}

Result<SweepResult> SweepRunner::Run() {
  if (options_.jobs < 1) return InvalidArgument("the number of jobs must be >= 1");
  start_ = Clock::now();
  // A protocol that almost never yields a connected system stops here, with
  // the rate, instead of redrawing for ever.
  std::set<double> ranges_checked;
  for (int t = 0; t < static_cast<int>(study_.technologies.size()); ++t) {
    if (!ranges_checked.insert(study_.technologies[t].range_m).second) continue;
    Status s = CheckConnectionRate(SystemOptions(study_, 0, t), ConnectionCheckSeed(study_.seed));
    if (!s.ok()) {
      return s.WithContext(Context(study_) + ": technology " + study_.technologies[t].name);
    }
  }
  std::vector<std::unique_ptr<Solver>> solvers;
  for (int j = 0; j < options_.jobs; ++j) {
    ASSIGN_OR_RETURN(std::unique_ptr<Solver> solver, MakeSolver(study_.solver));
    solvers.push_back(std::move(solver));
  }
  results_.assign(items_.size(), {});
  errors_.assign(items_.size(), std::nullopt);
  const int threads =
      static_cast<int>(std::min<size_t>(options_.jobs, std::max<size_t>(1, items_.size())));
  if (threads == 1) {
    Worker(*solvers[0]);
  } else {
    std::vector<std::thread> pool;
    for (int j = 0; j < threads; ++j)
      pool.emplace_back([this, &solvers, j] { Worker(*solvers[j]); });
    for (std::thread& t : pool) t.join();
  }
  // The first failing item in index order, so the error does not depend on jobs
  // (every item before it ran to completion or failed too).
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (errors_[i]) return *errors_[i];
  }
  SweepResult out;
  out.device_types = device_types_;
  out.jobs = options_.jobs;
  out.rows.reserve(items_.size() * rows_per_item_);
  for (std::vector<SweepRow>& rows : results_) {
    for (SweepRow& r : rows) out.rows.push_back(std::move(r));
  }
  out.wall_time_s = SecondsSince(start_);
  return out;
}

}  // namespace

int64_t SweepSolveCount(const Study& study) {
  return static_cast<int64_t>(study.mixes.size()) * study.technologies.size() * study.num_systems *
         study.configurations.size() * study.layer_limits.size() * study.conventions.size();
}

Result<SweepResult> RunSweep(const Study& study, const SweepOptions& options) {
  SweepRunner runner(study, options);
  return runner.Run();
}

}  // namespace distcnn
