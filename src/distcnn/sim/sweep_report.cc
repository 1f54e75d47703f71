#include "distcnn/sim/sweep_report.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

extern char** environ;

namespace distcnn {

namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string General(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A file-name-safe version of `s`: letters, digits, '-' and '.'; others -> '_'.
std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    out += ok ? c : '_';
  }
  return out;
}

// Double quotes for a gnuplot string.
std::string GnuplotString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

MeanStd Stats(const std::vector<double>& xs) {
  MeanStd out;
  if (xs.empty()) return out;
  double sum = 0;
  for (double x : xs) sum += x;
  out.mean = sum / static_cast<double>(xs.size());
  if (xs.size() < 2) return out;
  double ss = 0;
  for (double x : xs) ss += (x - out.mean) * (x - out.mean);
  out.std = std::sqrt(ss / static_cast<double>(xs.size() - 1));
  return out;
}

std::string PlusMinus(const MeanStd& s, int decimals) {
  return Fixed(s.mean, decimals) + " ± " + Fixed(s.std, decimals);
}

Status WriteText(const std::filesystem::path& path, const std::string& text,
                 std::vector<std::string>* written) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return IoError(path.string() + ": cannot write");
  if (written) written->push_back(path.string());
  return Status::Ok();
}

using CellKey =
    std::tuple<int, int, int, int, int>;  // config, mix, tech, L index, convention index

int IndexOf(const std::vector<int>& v, int x) {
  return static_cast<int>(std::find(v.begin(), v.end(), x) - v.begin());
}
int IndexOf(const std::vector<CostConvention>& v, CostConvention x) {
  return static_cast<int>(std::find(v.begin(), v.end(), x) - v.begin());
}

const CellSummary* FindCell(const std::vector<CellSummary>& cells, int config, int mix, int tech,
                            int layer_limit, CostConvention conv) {
  for (const CellSummary& c : cells) {
    if (c.configuration == config && c.mix == mix && c.technology == tech &&
        c.layer_limit == layer_limit && c.convention == conv) {
      return &c;
    }
  }
  return nullptr;
}

// Runs `gnuplot script` with stdout and stderr into `log`; returns a warning
// ("" on success).
std::string RunGnuplot(const std::string& script, const std::string& log, const std::string& cwd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::string cd_script = "cd " + GnuplotString(cwd) + "; load " + GnuplotString(script);
  char arg0[] = "gnuplot";
  char arg1[] = "-e";
  std::vector<char> arg2(cd_script.begin(), cd_script.end());
  arg2.push_back('\0');
  char* argv[] = {arg0, arg1, arg2.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    if (rc == ENOENT) {
      return "gnuplot is not installed: charts skipped (Debian: apt-get install gnuplot-nox)";
    }
    return std::string("cannot run gnuplot: ") + std::strerror(rc) + "; charts skipped";
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return "waiting for gnuplot failed; charts may be incomplete";
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "gnuplot failed (see " + log + "); charts may be incomplete";
  }
  return "";
}

// How summary.md's first line describes the study's feasibility rule.
std::string FeasibilityRule(Feasibility rule) {
  switch (rule) {
    case Feasibility::kKeep:
      return "";
    case Feasibility::kRedrawPerCell:
      return ", and redrawn in the cells where they are infeasible";
    case Feasibility::kRedrawShared:
      return ", and redrawn at each L where one of the configurations is infeasible (shared by "
             "all configurations)";
  }
  return "";
}

}  // namespace

std::vector<CellSummary> Summarize(const Study& study, const SweepResult& result) {
  struct Acc {
    CellSummary cell;
    std::vector<double> t, tt, tp;
    double solve_sum = 0;
  };
  std::map<CellKey, Acc> acc;
  for (const SweepRow& r : result.rows) {
    const CellKey key{r.configuration, r.mix, r.technology,
                      IndexOf(study.layer_limits, r.layer_limit),
                      IndexOf(study.conventions, r.convention)};
    Acc& a = acc[key];
    CellSummary& c = a.cell;
    if (c.systems == 0) {
      c.configuration = r.configuration;
      c.mix = r.mix;
      c.technology = r.technology;
      c.layer_limit = r.layer_limit;
      c.convention = r.convention;
    }
    ++c.systems;
    if (r.status == SolveStatus::kOptimal) ++c.optimal;
    if (r.status == SolveStatus::kInfeasible) ++c.infeasible;
    a.solve_sum += r.solve_time_s;
    c.solve_time_max_s = std::max(c.solve_time_max_s, r.solve_time_s);
    if (!r.has_plan) continue;
    ++c.with_plan;
    a.t.push_back(r.latency_s * 1e3);
    a.tt.push_back(r.transmission_s * 1e3);
    a.tp.push_back(r.processing_s * 1e3);
    c.max_gap = std::max(c.max_gap, r.gap);
  }
  std::vector<CellSummary> out;
  for (auto& [key, a] : acc) {
    a.cell.latency_ms = Stats(a.t);
    a.cell.transmission_ms = Stats(a.tt);
    a.cell.processing_ms = Stats(a.tp);
    a.cell.solve_time_mean_s = a.cell.systems ? a.solve_sum / a.cell.systems : 0;
    out.push_back(a.cell);
  }
  return out;
}

const std::vector<std::string>& RunsCsvTimingColumns() {
  static const std::vector<std::string> kColumns = {"solve_time_s"};
  return kColumns;
}

const std::vector<std::string>& SummaryCsvTimingColumns() {
  static const std::vector<std::string> kColumns = {"solve_time_mean_s", "solve_time_max_s"};
  return kColumns;
}

std::string RunsCsv(const Study& study, const SweepResult& result) {
  std::ostringstream os;
  os << "configuration,mix,technology,L,convention,system,seed,rejected_draws,infeasible_draws,"
        "status,"
        "latency_ms,"
        "transmission_ms,processing_ms,objective_ms,gap,nodes,reused,solve_time_s";
  for (const std::string& t : result.device_types) os << ",units_" << t;
  os << "\n";
  for (const SweepRow& r : result.rows) {
    os << CsvField(study.configurations[r.configuration].name) << ','
       << CsvField(study.mixes[r.mix].name) << ','
       << CsvField(study.technologies[r.technology].name) << ',' << LayerLimitName(r.layer_limit)
       << ',' << CostConventionName(r.convention) << ',' << r.system << ',' << r.seed << ','
       << r.rejected_draws << ',' << r.infeasible_draws << ',' << SolveStatusName(r.status) << ',';
    if (r.has_plan) {
      os << Fixed(r.latency_s * 1e3, 6) << ',' << Fixed(r.transmission_s * 1e3, 6) << ','
         << Fixed(r.processing_s * 1e3, 6) << ',' << Fixed(r.objective_s * 1e3, 6) << ','
         << General(r.gap);
    } else {
      os << ",,,,";
    }
    os << ',' << r.nodes << ',' << (r.reused ? 1 : 0) << ',' << Fixed(r.solve_time_s, 6);
    for (int n : r.units_per_type) os << ',' << n;
    os << "\n";
  }
  return os.str();
}

std::string SummaryCsv(const Study& study, const std::vector<CellSummary>& cells) {
  std::ostringstream os;
  os << "configuration,mix,technology,L,convention,systems,with_plan,optimal,infeasible,"
        "t_mean_ms,t_std_ms,tt_mean_ms,tt_std_ms,tp_mean_ms,tp_std_ms,max_gap,"
        "solve_time_mean_s,solve_time_max_s\n";
  for (const CellSummary& c : cells) {
    os << CsvField(study.configurations[c.configuration].name) << ','
       << CsvField(study.mixes[c.mix].name) << ','
       << CsvField(study.technologies[c.technology].name) << ',' << LayerLimitName(c.layer_limit)
       << ',' << CostConventionName(c.convention) << ',' << c.systems << ',' << c.with_plan << ','
       << c.optimal << ',' << c.infeasible << ',' << Fixed(c.latency_ms.mean, 6) << ','
       << Fixed(c.latency_ms.std, 6) << ',' << Fixed(c.transmission_ms.mean, 6) << ','
       << Fixed(c.transmission_ms.std, 6) << ',' << Fixed(c.processing_ms.mean, 6) << ','
       << Fixed(c.processing_ms.std, 6) << ',' << General(c.max_gap) << ','
       << Fixed(c.solve_time_mean_s, 6) << ',' << Fixed(c.solve_time_max_s, 6) << "\n";
  }
  return os.str();
}

std::string SummaryMarkdown(const Study& study, const SweepResult& result,
                            const std::vector<CellSummary>& cells) {
  std::ostringstream os;
  os << "# Study " << study.name << "\n\n";
  os << study.num_units << " units in a " << General(study.side_m) << " m x "
     << General(study.side_m) << " m square, " << study.num_sources << " source(s) and "
     << study.num_sinks << " sink(s) placed uniformly, redrawn until connected"
     << FeasibilityRule(study.feasibility) << "; " << study.num_systems
     << " random systems per cell (study seed " << study.seed << "); solver `" << study.solver
     << "`.\n\n";
  for (const DeviceMix& m : study.mixes) {
    os << "- mix " << m.name << ":";
    for (const DeviceShare& s : m.shares)
      os << " " << s.type.name << " " << General(s.proportion * 100) << " %";
    os << "\n";
  }
  // Observed connection rate per technology: systems / draws.
  for (int t = 0; t < static_cast<int>(study.technologies.size()); ++t) {
    // Per system, the row of its last attempt counts every draw made for it.
    std::map<std::pair<int, int>, const SweepRow*> last;
    for (const SweepRow& r : result.rows) {
      if (r.technology != t) continue;
      const SweepRow*& l = last[{r.mix, r.system}];
      if (!l || r.infeasible_draws > l->infeasible_draws) l = &r;
    }
    int64_t systems = 0, connected = 0, draws = 0;
    for (const auto& [key, r] : last) {
      ++systems;
      connected += r->infeasible_draws + 1;
      draws += r->rejected_draws + r->infeasible_draws + 1;
    }
    const Technology& tech = study.technologies[t];
    os << "- technology " << tech.name << ": " << General(tech.rate_bps / 1e6) << " Mbit/s, range "
       << General(tech.range_m) << " m; " << systems << " systems from " << draws
       << " draws (connection rate " << Fixed(draws ? 100.0 * connected / draws : 0, 1) << " %";
    if (study.feasibility != Feasibility::kKeep) {
      os << "; " << connected - systems << " connected draws made to replace infeasible systems";
    }
    os << ")\n";
  }
  os << "\nValues: mean ± standard deviation in ms over the systems with a plan, summed over the "
        "configuration's CNNs; t_t transmission, t_p processing, t = t_t + t_p. A cell marked "
        "[n=K] has a plan on only K systems (the others are infeasible, see the end).\n";

  const bool by_mix = study.mixes.size() > 1;
  std::vector<std::pair<std::string, std::vector<std::pair<int, int>>>> tables;  // title, groups
  if (by_mix) {
    for (int t = 0; t < static_cast<int>(study.technologies.size()); ++t) {
      std::vector<std::pair<int, int>> groups;
      for (int m = 0; m < static_cast<int>(study.mixes.size()); ++m) groups.emplace_back(m, t);
      tables.emplace_back(study.technologies[t].name, groups);
    }
  } else {
    std::vector<std::pair<int, int>> groups;
    for (int t = 0; t < static_cast<int>(study.technologies.size()); ++t) groups.emplace_back(0, t);
    tables.emplace_back("mix " + study.mixes[0].name, groups);
  }
  for (CostConvention conv : study.conventions) {
    for (const auto& [title, groups] : tables) {
      os << "\n## " << title << ", cost convention " << CostConventionName(conv) << "\n\n";
      os << "| Configuration | L |";
      for (const auto& [m, t] : groups) {
        const std::string g = by_mix ? study.mixes[m].name : study.technologies[t].name;
        os << " " << g << " t_t | t_p | t |";
      }
      os << "\n|---|---|";
      for (size_t g = 0; g < groups.size(); ++g) os << "---:|---:|---:|";
      os << "\n";
      for (int c = 0; c < static_cast<int>(study.configurations.size()); ++c) {
        for (int l : study.layer_limits) {
          os << "| " << study.configurations[c].name << " | " << LayerLimitName(l) << " |";
          for (const auto& [m, t] : groups) {
            const CellSummary* cell = FindCell(cells, c, m, t, l, conv);
            if (!cell || cell->with_plan == 0) {
              os << " - | - | - (no plan) |";
              continue;
            }
            os << " " << PlusMinus(cell->transmission_ms, 2) << " | "
               << PlusMinus(cell->processing_ms, 2) << " | " << PlusMinus(cell->latency_ms, 2);
            if (cell->with_plan < cell->systems) os << " [n=" << cell->with_plan << "]";
            os << " |";
          }
          os << "\n";
        }
      }
    }
  }
  // Cells whose systems were not all solved to proven optimality.
  std::ostringstream notes;
  for (const CellSummary& c : cells) {
    if (c.optimal == c.systems) continue;
    notes << "- " << study.configurations[c.configuration].name << ", mix "
          << study.mixes[c.mix].name << ", " << study.technologies[c.technology].name
          << ", L = " << LayerLimitName(c.layer_limit) << ", " << CostConventionName(c.convention)
          << ": " << c.optimal << " optimal, " << c.infeasible << " infeasible, "
          << (c.with_plan - c.optimal) << " feasible at the time limit (max gap "
          << General(c.max_gap) << "), "
          << (c.systems - c.optimal - c.infeasible - (c.with_plan - c.optimal))
          << " without a plan, of " << c.systems << "\n";
  }
  const std::string n = notes.str();
  os << "\n## Solver status\n\n";
  if (n.empty()) {
    os << "Every solve was proven optimal.\n";
  } else {
    os << "Cells where not every system was solved to proven optimality:\n\n" << n;
  }
  return os.str();
}

Status WriteSweepReports(const Study& study, const SweepResult& result, const std::string& dir,
                         std::vector<std::string>* written, std::vector<std::string>* warnings) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError(dir + ": cannot create directory: " + ec.message());
  const std::vector<CellSummary> cells = Summarize(study, result);
  RETURN_IF_ERROR(WriteText(fs::path(dir) / "runs.csv", RunsCsv(study, result), written));
  RETURN_IF_ERROR(WriteText(fs::path(dir) / "summary.csv", SummaryCsv(study, cells), written));
  RETURN_IF_ERROR(
      WriteText(fs::path(dir) / "summary.md", SummaryMarkdown(study, result, cells), written));

  // Charts: latency vs L, one line per configuration, one chart per
  // technology x mix x convention. One data file, one gnuplot script.
  const fs::path charts = fs::path(dir) / "charts";
  fs::create_directories(charts, ec);
  if (ec) return IoError(charts.string() + ": cannot create directory: " + ec.message());
  std::ostringstream data, script;
  script << "# Generated by distcnn sweep: latency t (mean ± std, ms) versus L.\n"
            "set terminal svg size 820,520 dynamic enhanced font 'sans,12'\n"
            "set grid ytics\nset key outside right top\nset xlabel 'L (layers per unit)'\n"
            "set ylabel 'latency t (ms)'\nset bars small\n";
  script << "set xtics (";
  for (size_t i = 0; i < study.layer_limits.size(); ++i) {
    script << (i ? ", " : "") << GnuplotString(LayerLimitName(study.layer_limits[i])) << " "
           << i + 1;
  }
  script << ")\nset xrange [0.5:" << study.layer_limits.size() + 0.5 << "]\n";
  int block = 0;
  std::vector<std::string> svgs;
  for (CostConvention conv : study.conventions) {
    for (int t = 0; t < static_cast<int>(study.technologies.size()); ++t) {
      for (int m = 0; m < static_cast<int>(study.mixes.size()); ++m) {
        double lo = INFINITY, hi = 0;
        std::vector<int> blocks;
        for (int c = 0; c < static_cast<int>(study.configurations.size()); ++c) {
          data << "# " << study.configurations[c].name << "\n";
          for (size_t i = 0; i < study.layer_limits.size(); ++i) {
            const CellSummary* cell = FindCell(cells, c, m, t, study.layer_limits[i], conv);
            if (!cell || cell->with_plan == 0) continue;
            data << i + 1 << " " << General(cell->latency_ms.mean) << " "
                 << General(cell->latency_ms.std) << "\n";
            lo = std::min(lo, cell->latency_ms.mean);
            hi = std::max(hi, cell->latency_ms.mean);
          }
          data << "\n\n";
          blocks.push_back(block++);
        }
        const std::string name = "latency-" + Slug(study.technologies[t].name) + "-" +
                                 Slug(study.mixes[m].name) + "-" + CostConventionName(conv) +
                                 ".svg";
        svgs.push_back((charts / name).string());
        script << "\nset output " << GnuplotString(name) << "\n";
        script << "set title "
               << GnuplotString(study.name + ": " + study.technologies[t].name + ", mix " +
                                study.mixes[m].name + ", " + CostConventionName(conv))
               << " noenhanced\n";
        script << (hi > 0 && lo > 0 && hi / lo > 20 ? "set logscale y\n" : "unset logscale y\n");
        script << "plot ";
        for (size_t b = 0; b < blocks.size(); ++b) {
          script << (b ? ", \\\n     " : "") << "'latency.dat' index " << blocks[b]
                 << " using 1:2:3 with yerrorlines lw 2 title "
                 << GnuplotString(study.configurations[b].name) << " noenhanced";
        }
        script << "\n";
      }
    }
  }
  script << "unset output\n";
  RETURN_IF_ERROR(WriteText(charts / "latency.dat", data.str(), written));
  RETURN_IF_ERROR(WriteText(charts / "latency.gp", script.str(), written));
  const std::string warning =
      RunGnuplot("latency.gp", (charts / "gnuplot.log").string(), fs::absolute(charts).string());
  if (!warning.empty()) {
    if (warnings) warnings->push_back(warning);
  } else if (written) {
    for (const std::string& s : svgs) written->push_back(s);
  }
  return Status::Ok();
}

}  // namespace distcnn
