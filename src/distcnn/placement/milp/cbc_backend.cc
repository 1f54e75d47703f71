#include "distcnn/placement/milp/cbc_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "CbcEventHandler.hpp"
#include "CbcModel.hpp"
#include "CbcSolver.hpp"
#include "CoinError.hpp"
#include "CoinPackedMatrix.hpp"
#include "OsiClpSolverInterface.hpp"

namespace distcnn {

namespace {

using Clock = std::chrono::steady_clock;

// CBC keeps global state (CbcMain's parameter tables, message handlers) and is
// documented as not thread-safe: one solve at a time per process.
std::mutex& CbcMutex() {
  static std::mutex mutex;
  return mutex;
}

// Shared by the deadline handler and its clones (CBC copies the handler into
// every sub-model).
struct Watch {
  std::optional<Clock::time_point> deadline;
  double last_bound = -COIN_DBL_MAX;  // best possible objective seen before the deadline
  bool stop_requested = false;        // the handler told CBC to stop

  bool Expired() const { return deadline && Clock::now() >= *deadline; }
};

// Asks CBC to stop at its next check once the deadline has passed. CBC's own
// "seconds" limit is only tested between nodes; this handler is consulted at
// more points (nodes, heuristic passes, cut rounds, sub-trees). Solution events
// are left alone so that no found solution is discarded. A single LP solve or
// a feasibility-pump pass in progress still runs to its end: cutting Clp short
// (tried with a ClpEventHandler) makes CBC 2.10 accept unsolved LP points as
// incumbents, so overshoot on very large models is the price of honesty.
class DeadlineHandler : public CbcEventHandler {
 public:
  explicit DeadlineHandler(Watch* watch) : watch_(watch) {}
  DeadlineHandler(const DeadlineHandler&) = default;
  DeadlineHandler& operator=(const DeadlineHandler&) = default;
  ~DeadlineHandler() override = default;

  CbcAction event(CbcEvent which) override { return Decide(which); }
  CbcAction event(CbcEvent which, void* /*data*/) override { return Decide(which); }
  CbcEventHandler* clone() const override { return new DeadlineHandler(*this); }

 private:
  CbcAction Decide(CbcEvent which) {
    switch (which) {
      case node:
      case treeStatus:
      case afterHeuristic:
      case smallBranchAndBound:
      case heuristicPass:
      case generatedCuts:
        break;
      default:
        return noAction;
    }
    if (watch_->Expired()) {
      watch_->stop_requested = true;
      return stop;
    }
    // Remember the main tree's bound while it is still backed by complete LPs.
    if ((which == node || which == treeStatus) && model_ != nullptr &&
        model_->parentModel() == nullptr) {
      const double bound = model_->getBestPossibleObjValue();
      if (bound < 1e50) watch_->last_bound = std::max(watch_->last_bound, bound);
    }
    return noAction;
  }

  Watch* watch_;
};

// CbcMain1 calls back at fixed points; we need nothing from them.
int NoCallback(CbcModel* /*model*/, int /*where_from*/) { return 0; }

std::string FormatDouble(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

CbcOutcome SolveLocked(const MilpModel& milp, const CbcSettings& settings) {
  CbcOutcome out;
  double seconds_left = 0;
  if (settings.deadline) {
    seconds_left = std::chrono::duration<double>(*settings.deadline - Clock::now()).count();
    if (seconds_left <= 0) {
      out.note = "time limit reached before CBC started";
      return out;
    }
  }

  std::vector<CoinBigIndex> starts(milp.row_start.begin(), milp.row_start.end());
  std::vector<int> lengths(milp.num_rows());
  for (int r = 0; r < milp.num_rows(); ++r) lengths[r] = milp.row_start[r + 1] - milp.row_start[r];
  const CoinPackedMatrix matrix(/*colordered=*/false, milp.num_cols(), milp.num_rows(),
                                static_cast<CoinBigIndex>(milp.row_col.size()),
                                milp.row_value.data(), milp.row_col.data(), starts.data(),
                                lengths.data());
  // CBC spells infinity as its own large number.
  auto finite = [](double v) {
    return std::isfinite(v) ? v : (v > 0 ? COIN_DBL_MAX : -COIN_DBL_MAX);
  };
  std::vector<double> col_lb(milp.col_lb), col_ub(milp.col_ub), row_lb(milp.row_lb),
      row_ub(milp.row_ub);
  for (auto* v : {&col_lb, &col_ub, &row_lb, &row_ub}) {
    std::transform(v->begin(), v->end(), v->begin(), finite);
  }

  Watch watch;
  watch.deadline = settings.deadline;
  OsiClpSolverInterface lp;
  lp.messageHandler()->setLogLevel(0);
  lp.getModelPtr()->messageHandler()->setLogLevel(0);
  lp.loadProblem(matrix, col_lb.data(), col_ub.data(), milp.objective.data(), row_lb.data(),
                 row_ub.data());
  for (int c = 0; c < milp.num_cols(); ++c) {
    if (milp.is_integer[c]) lp.setInteger(c);
  }
  lp.setObjSense(1.0);

  CbcModel model(lp);
  model.setLogLevel(0);
  model.messageHandler()->setLogLevel(0);
  CbcSolverUsefulData data;
  data.noPrinting_ = true;
  data.useSignalHandler_ = false;  // a library must not take over SIGINT
  CbcMain0(model, data);
  // CbcMain0 installs its defaults; silence again.
  model.setLogLevel(0);
  model.messageHandler()->setLogLevel(0);
  model.solver()->messageHandler()->setLogLevel(0);
  const DeadlineHandler handler(&watch);
  model.passInEventHandler(&handler);  // cloned by CBC

  // CbcMain1 runs presolve, cut generators and heuristics, which a bare
  // branchAndBound() would not. Gaps are exact unless asked otherwise; the
  // objective is scaled to ~1e3, so an increment of 1e-6 is ~1e-9 relative.
  const std::string ratio = FormatDouble(std::max(0.0, settings.relative_gap));
  const std::string seconds = FormatDouble(std::max(seconds_left, 1e-3));
  std::vector<const char*> args = {
      "distcnn-milp",  "-log", "0",          "-slog", "0",         "-ratioGap", ratio.c_str(),
      "-allowableGap", "0",    "-increment", "1e-6",  "-timeMode", "elapsed"};
  if (settings.deadline) {
    args.push_back("-seconds");
    args.push_back(seconds.c_str());
  }
  args.push_back("-solve");
  args.push_back("-quit");
  CbcMain1(static_cast<int>(args.size()), args.data(), model, NoCallback, data);

  out.nodes = model.getNodeCount();
  const double* best = model.bestSolution();
  const bool has_solution = best != nullptr && model.getNumCols() == milp.num_cols();
  if (has_solution) {
    out.values.assign(best, best + milp.num_cols());
    out.objective = model.getObjValue();
  }
  const double bound = model.getBestPossibleObjValue();
  out.bound = std::abs(bound) < 1e50 ? std::max(bound, watch.last_bound) : 0.0;
  const int status = model.status();
  const int secondary = model.secondaryStatus();
  // A stop forced by the deadline (ours or CBC's) can leave status 0 behind
  // (seen when preprocessing or the root is interrupted): then "finished"
  // proves nothing, and only kFeasible / kNoSolution are honest.
  const bool limit_hit = watch.stop_requested || watch.Expired() || model.isSecondsLimitReached();
  if (status == 0 && !limit_hit) {
    // Search finished: optimal if a solution exists, else proven infeasible.
    if (has_solution) {
      out.status = SolveStatus::kOptimal;
      if (secondary == 2 && settings.relative_gap > 0) {
        out.status = SolveStatus::kFeasible;
        out.note = "stopped within the relative gap";
      }
    } else {
      out.status = SolveStatus::kInfeasible;
      out.note = "CBC proved the MILP infeasible";
    }
    return out;
  }
  // Stopped on a limit (status 1), by the deadline handler (5), or abandoned (2).
  out.status = has_solution ? SolveStatus::kFeasible : SolveStatus::kNoSolution;
  if (limit_hit) {
    out.note = "time limit";
  } else if (status == 2) {
    out.note = "CBC abandoned the search (numerical difficulties)";
  } else {
    out.note = "CBC stopped without a result (status " + std::to_string(status) + ", secondary " +
               std::to_string(secondary) + ")";
  }
  return out;
}

}  // namespace

CbcOutcome SolveWithCbc(const MilpModel& milp, const CbcSettings& settings) {
  std::lock_guard<std::mutex> lock(CbcMutex());
  try {
    return SolveLocked(milp, settings);
  } catch (const CoinError& e) {
    CbcOutcome out;
    out.note = "CBC error: " + e.message() + " (" + e.className() + "::" + e.methodName() + ")";
    return out;
  } catch (const std::bad_alloc&) {
    CbcOutcome out;
    out.note = "CBC ran out of memory";
    return out;
  } catch (const std::exception& e) {
    CbcOutcome out;
    out.note = std::string("CBC error: ") + e.what();
    return out;
  } catch (...) {
    CbcOutcome out;
    out.note = "CBC error: unknown exception";
    return out;
  }
}

}  // namespace distcnn
