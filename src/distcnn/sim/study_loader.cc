#include "distcnn/sim/study_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "distcnn/base/quantity.h"
#include "distcnn/model/paper_tables.h"
#include "distcnn/placement/solver.h"
#include "distcnn/scenario/scenario_loader.h"
#include "distcnn/scenario/yaml_value.h"
#include "distcnn/system/device_catalogue.h"
#include "distcnn/system/system_builder.h"

namespace distcnn {

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

std::string FileStem(std::string_view path) {
  return std::filesystem::path(std::string(path)).stem().string();
}

std::string Num(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

using Val = YamlValue;

using Fields = std::vector<std::pair<std::string, Val>>;

const Val* Find(const Fields& f, std::string_view key) {
  for (const auto& [k, v] : f) {
    if (k == key) return &v;
  }
  return nullptr;
}

class StudyParser {
 public:
  StudyParser(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  Result<Study> Parse(std::string_view text);

 private:
  Status Error(const Val& v, const std::string& message) const {
    std::string out = file_ + ":" + std::to_string(v.line) + ": ";
    if (!v.path.empty()) out += v.path + ": ";
    return InvalidArgument(out + message);
  }

  // A mapping's fields in file order; `allowed` empty: any key (named maps).
  Result<Fields> Map(const Val& v, const std::vector<std::string>& allowed) const {
    if (!v.node.IsMap()) {
      return Error(
          v, std::string("expected a mapping ({key: value, ...}), got ") + YamlKindName(v.node));
    }
    Fields out;
    for (auto it = v.node.begin(); it != v.node.end(); ++it) {
      const int key_line = YamlLine(it->first, v.line);
      if (!it->first.IsScalar()) {
        return Error(Val{it->first, v.path, key_line}, "keys must be plain names");
      }
      const std::string key = it->first.Scalar();
      Val child{it->second, v.path.empty() ? key : v.path + "." + key,
                YamlLine(it->second, key_line), key_line};
      if (Find(out, key)) return Error(Val{{}, child.path, key_line}, "duplicate key");
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Error(Val{{}, child.path, key_line},
                     "unknown field '" + key + "' (expected one of: " + Join(allowed) + ")");
      }
      out.emplace_back(key, std::move(child));
    }
    return out;
  }

  Result<std::vector<Val>> Seq(const Val& v) const {
    if (!v.node.IsSequence()) {
      return Error(v, std::string("expected a list, got ") + YamlKindName(v.node));
    }
    std::vector<Val> out;
    int i = 0;
    for (auto it = v.node.begin(); it != v.node.end(); ++it, ++i) {
      out.push_back(Val{*it, v.path + "[" + std::to_string(i) + "]", YamlLine(*it, v.line)});
    }
    return out;
  }

  Result<Val> Required(const Fields& f, const Val& parent, const std::string& key) const {
    if (const Val* v = Find(f, key)) return *v;
    return Error(parent, "missing required field '" + key + "'");
  }

  Result<std::string> String(const Val& v) const {
    if (!v.node.IsScalar() || v.node.Scalar().empty()) {
      return Error(v, std::string("expected a non-empty string, got ") + YamlKindName(v.node));
    }
    return v.node.Scalar();
  }

  Result<double> Quantity(const Val& v, QuantityKind kind) const {
    if (!v.node.IsScalar()) {
      return Error(
          v, std::string("expected ") + QuantityKindName(kind) + ", got " + YamlKindName(v.node));
    }
    Result<double> q = ParseQuantity(v.node.Scalar(), kind);
    if (!q.ok()) return Error(v, q.status().message());
    return q;
  }

  Result<double> Positive(const Val& v, QuantityKind kind) const {
    ASSIGN_OR_RETURN(double x, Quantity(v, kind));
    if (!(x > 0)) return Error(v, "must be > 0, got '" + v.node.Scalar() + "'");
    return x;
  }

  Result<int64_t> Integer(const Val& v, int64_t min, int64_t max) const {
    ASSIGN_OR_RETURN(double x, Quantity(v, QuantityKind::kDimensionless));
    if (x != std::floor(x) || x < static_cast<double>(min) || x > static_cast<double>(max)) {
      return Error(v, "expected a whole number in [" + std::to_string(min) + ", " +
                          std::to_string(max) + "], got '" + v.node.Scalar() + "'");
    }
    return static_cast<int64_t>(x);
  }

  Result<int> LayerLimit(const Val& v) const {
    if (v.node.IsScalar()) {
      std::string s = v.node.Scalar();
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (s == "c" || s == "unlimited") return 0;
    }
    if (!v.node.IsScalar() || !ParseQuantity(v.node.Scalar(), QuantityKind::kDimensionless).ok()) {
      return Error(v, "expected a number of layers per unit >= 1, or C (no limit)");
    }
    ASSIGN_OR_RETURN(int64_t l, Integer(v, 1, 1000000));
    return static_cast<int>(l);
  }

  const DeviceType* FindType(const std::string& name) const {
    for (const DeviceType& t : device_types_) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }

  Status LoadDeviceTypes(const Val& v);
  Status LoadProtocol(const Val& v, Study* study, std::optional<Val>* sources_val);
  Status LoadMixes(const Val& v, Study* study) const;
  Status LoadTechnologies(const Val& v, Study* study) const;
  Status LoadConfiguration(const Val& v, StudyConfiguration* config, int* cnn_count) const;
  Status CheckConfiguration(const Val& v, const Study& study,
                            const StudyConfiguration& config) const;

  std::string file_;
  std::string base_dir_;
  std::vector<DeviceType> device_types_ = BuiltinDeviceTypes();
};

Status StudyParser::LoadDeviceTypes(const Val& v) {
  ASSIGN_OR_RETURN(Fields types, Map(v, {}));
  for (const auto& [name, tv] : types) {
    ASSIGN_OR_RETURN(Fields f, Map(tv, {"memory_bytes", "mults_per_s", "max_mults"}));
    auto existing =
        std::find_if(device_types_.begin(), device_types_.end(),
                     [&type_name = name](const DeviceType& t) { return t.name == type_name; });
    DeviceType t = existing != device_types_.end() ? *existing : DeviceType{name, 0, 0};
    if (const Val* m = Find(f, "memory_bytes")) {
      ASSIGN_OR_RETURN(double bytes, Positive(*m, QuantityKind::kBytes));
      t.memory_bytes = static_cast<int64_t>(std::llround(bytes));
    } else if (existing == device_types_.end()) {
      return Required(f, tv, "memory_bytes").status();
    }
    if (const Val* e = Find(f, "mults_per_s")) {
      ASSIGN_OR_RETURN(t.mults_per_s, Positive(*e, QuantityKind::kMultsPerS));
    } else if (existing == device_types_.end()) {
      return Required(f, tv, "mults_per_s").status();
    }
    if (const Val* c = Find(f, "max_mults")) {
      ASSIGN_OR_RETURN(t.max_mults, Positive(*c, QuantityKind::kMults));
    }
    if (existing != device_types_.end()) {
      *existing = t;
    } else {
      device_types_.push_back(t);
    }
  }
  return Status::Ok();
}

Status StudyParser::LoadMixes(const Val& v, Study* study) const {
  ASSIGN_OR_RETURN(Fields mixes, Map(v, {}));
  if (mixes.empty()) return Error(v, "at least one device mix is needed");
  std::vector<std::string> known;
  for (const DeviceType& t : device_types_) known.push_back(t.name);
  for (const auto& [name, mv] : mixes) {
    ASSIGN_OR_RETURN(Fields shares, Map(mv, {}));
    if (shares.empty()) return Error(mv, "a mix needs at least one device type");
    DeviceMix mix;
    mix.name = name;
    double total = 0;
    for (const auto& [type, pv] : shares) {
      const DeviceType* t = FindType(type);
      if (!t) {
        return Error(pv, "unknown device type '" + type + "' (known: " + Join(known) +
                             "; define new ones under device_types)");
      }
      ASSIGN_OR_RETURN(double p, Quantity(pv, QuantityKind::kDimensionless));
      if (!(p >= 0 && p <= 1)) {
        return Error(
            pv, "a proportion must be in [0, 1] (or 0 % to 100 %), got '" + pv.node.Scalar() + "'");
      }
      total += p;
      mix.shares.push_back(DeviceShare{*t, p});
    }
    if (std::abs(total - 1) > 1e-9) {
      return Error(
          mv, "the proportions of mix '" + name + "' sum to " + Num(total) + ", not 1 (100 %)");
    }
    study->mixes.push_back(std::move(mix));
  }
  return Status::Ok();
}

Status StudyParser::LoadTechnologies(const Val& v, Study* study) const {
  ASSIGN_OR_RETURN(std::vector<Val> items, Seq(v));
  if (items.empty()) return Error(v, "at least one technology is needed");
  std::vector<std::string> known;
  for (const Technology& t : BuiltinTechnologies()) known.push_back(t.name);
  for (const Val& item : items) {
    Technology t;
    if (item.node.IsScalar()) {
      ASSIGN_OR_RETURN(std::string name, String(item));
      std::optional<Technology> found = FindBuiltinTechnology(name);
      if (!found) {
        return Error(item, "unknown technology '" + name + "' (known: " + Join(known) +
                               "; or give {name: ..., rate_bps: ..., range_m: ...})");
      }
      t = *found;
    } else {
      ASSIGN_OR_RETURN(Fields f, Map(item, {"name", "rate_bps", "range_m"}));
      ASSIGN_OR_RETURN(Val name, Required(f, item, "name"));
      ASSIGN_OR_RETURN(t.name, String(name));
      ASSIGN_OR_RETURN(Val rate, Required(f, item, "rate_bps"));
      ASSIGN_OR_RETURN(t.rate_bps, Positive(rate, QuantityKind::kRateBps));
      ASSIGN_OR_RETURN(Val range, Required(f, item, "range_m"));
      ASSIGN_OR_RETURN(t.range_m, Positive(range, QuantityKind::kLengthM));
    }
    for (const Technology& other : study->technologies) {
      if (other.name == t.name) return Error(item, "technology '" + t.name + "' listed twice");
    }
    study->technologies.push_back(t);
  }
  return Status::Ok();
}

Status StudyParser::LoadProtocol(const Val& v, Study* study, std::optional<Val>* sources_val) {
  ASSIGN_OR_RETURN(Fields f,
                   Map(v, {"area", "units", "mixes", "technologies", "range", "sources", "sinks",
                           "placement", "connectivity", "max_draws", "feasibility"}));
  study->protocol_line = v.key_line > 0 ? v.key_line : v.line;
  ASSIGN_OR_RETURN(Val area, Required(f, v, "area"));
  ASSIGN_OR_RETURN(study->side_m, Positive(area, QuantityKind::kLengthM));
  ASSIGN_OR_RETURN(Val units, Required(f, v, "units"));
  ASSIGN_OR_RETURN(int64_t n, Integer(units, 1, 100000));
  study->num_units = static_cast<int>(n);
  ASSIGN_OR_RETURN(Val mixes, Required(f, v, "mixes"));
  RETURN_IF_ERROR(LoadMixes(mixes, study));
  ASSIGN_OR_RETURN(Val techs, Required(f, v, "technologies"));
  RETURN_IF_ERROR(LoadTechnologies(techs, study));
  if (const Val* range = Find(f, "range")) {
    ASSIGN_OR_RETURN(double r, Positive(*range, QuantityKind::kLengthM));
    for (Technology& t : study->technologies) t.range_m = r;
  }
  if (const Val* s = Find(f, "sources")) *sources_val = *s;
  if (const Val* s = Find(f, "sinks")) {
    ASSIGN_OR_RETURN(int64_t k, Integer(*s, 1, 10000));
    study->num_sinks = static_cast<int>(k);
  }
  if (const Val* p = Find(f, "placement")) {
    ASSIGN_OR_RETURN(std::string s, String(*p));
    if (s != "uniform") {
      return Error(*p, "unknown placement '" + s +
                           "' (supported: uniform: units, sources and sinks uniform in the area)");
    }
  }
  if (const Val* c = Find(f, "connectivity")) {
    ASSIGN_OR_RETURN(std::string s, String(*c));
    if (s != "redraw") {
      return Error(*c, "unknown connectivity rule '" + s +
                           "' (supported: redraw: draw again until every vertex reaches every "
                           "other)");
    }
  }
  if (const Val* r = Find(f, "feasibility")) {
    ASSIGN_OR_RETURN(std::string s, String(*r));
    const std::map<std::string, Feasibility> rules = {
        {"keep", Feasibility::kKeep},
        {"redraw", Feasibility::kRedrawPerCell},
        {"redraw-shared", Feasibility::kRedrawShared}};
    auto rule = rules.find(s);
    if (rule == rules.end()) {
      return Error(*r, "unknown feasibility rule '" + s +
                           "' (supported: keep: infeasible systems stay, their rows say so; "
                           "redraw: replace a system, in the cells where it is infeasible, "
                           "by the next feasible draw; redraw-shared: replace it at that L for "
                           "every configuration)");
    }
    study->feasibility = rule->second;
  }
  if (const Val* m = Find(f, "max_draws")) {
    ASSIGN_OR_RETURN(int64_t k, Integer(*m, 1, 100000000));
    study->max_draws = static_cast<int>(k);
  }
  return Status::Ok();
}

Status StudyParser::LoadConfiguration(const Val& v, StudyConfiguration* config,
                                      int* cnn_count) const {
  ASSIGN_OR_RETURN(Fields f, Map(v, {"name", "cnns", "scenario", "exit_prob", "input_bytes",
                                     "shared_prefix", "shared"}));
  ASSIGN_OR_RETURN(Val name, Required(f, v, "name"));
  ASSIGN_OR_RETURN(config->name, String(name));
  const Val* cnns = Find(f, "cnns");
  const Val* scenario = Find(f, "scenario");
  if ((cnns != nullptr) == (scenario != nullptr)) {
    return Error(v, "give exactly one of 'cnns' (paper table names: " + Join(PaperCnnNames()) +
                        ") and 'scenario' (a scenario file whose cnns and shared are taken)");
  }
  if (scenario) {
    ASSIGN_OR_RETURN(std::string rel, String(*scenario));
    std::filesystem::path p(rel);
    if (p.is_relative()) p = std::filesystem::path(base_dir_) / p;
    Result<Scenario> s = LoadScenarioFile(p.string());
    if (!s.ok()) return Error(*scenario, s.status().message());
    config->cnns = s->problem.cnns;
    config->shared = s->problem.shared;
    *cnn_count = 0;
    for (const Cnn& c : config->cnns) *cnn_count = std::max(*cnn_count, c.source + 1);
    for (const char* key : {"exit_prob", "shared_prefix", "shared"}) {
      if (const Val* other = Find(f, key)) {
        return Error(*other, "not allowed with 'scenario' (the scenario file defines it)");
      }
    }
  } else {
    double exit_prob = 0.99;
    if (const Val* e = Find(f, "exit_prob")) {
      ASSIGN_OR_RETURN(exit_prob, Quantity(*e, QuantityKind::kDimensionless));
      if (!(exit_prob >= 0 && exit_prob <= 1)) return Error(*e, "must be in [0, 1]");
    }
    ASSIGN_OR_RETURN(std::vector<Val> items, Seq(*cnns));
    if (items.empty()) return Error(*cnns, "at least one CNN is needed");
    std::map<std::string, int> count;
    for (const Val& item : items) {
      ASSIGN_OR_RETURN(std::string table, String(item));
      ++count[table];
    }
    std::map<std::string, int> seen;
    for (size_t u = 0; u < items.size(); ++u) {
      const std::string table = items[u].node.Scalar();
      PaperCnn paper;
      if (!FindPaperCnn(table, exit_prob, &paper)) {
        return Error(items[u], "unknown CNN '" + table + "' (known: " + Join(PaperCnnNames()) +
                                   "; or use 'scenario: FILE' for other CNNs)");
      }
      Cnn cnn;
      cnn.name = count[table] > 1 ? table + "_" + std::to_string(++seen[table]) : table;
      cnn.source = static_cast<int>(u);
      cnn.sink = 0;
      cnn.input_bytes = paper.input_bytes;
      cnn.layers = paper.layers;
      cnn.decision_bytes = cnn.layers.back().output_bytes;
      config->cnns.push_back(std::move(cnn));
    }
    *cnn_count = static_cast<int>(items.size());
    if (const Val* sp = Find(f, "shared_prefix")) {
      size_t shortest = config->cnns[0].layers.size();
      for (const Cnn& c : config->cnns) shortest = std::min(shortest, c.layers.size());
      ASSIGN_OR_RETURN(int64_t k, Integer(*sp, 0, static_cast<int64_t>(shortest)));
      if (k > 0 && config->cnns.size() < 2) return Error(*sp, "sharing needs at least two CNNs");
      for (int j = 0; j < k; ++j) {
        std::vector<LayerRef> group;
        for (int c = 0; c < static_cast<int>(config->cnns.size()); ++c) group.push_back({c, j});
        config->shared.push_back(std::move(group));
      }
    }
    if (const Val* sh = Find(f, "shared")) {
      ASSIGN_OR_RETURN(std::vector<Val> groups, Seq(*sh));
      for (const Val& gv : groups) {
        ASSIGN_OR_RETURN(std::vector<Val> refs, Seq(gv));
        if (refs.size() < 2) return Error(gv, "a shared group needs at least two layers");
        std::vector<LayerRef> group;
        for (const Val& rv : refs) {
          ASSIGN_OR_RETURN(std::string ref, String(rv));
          const size_t dot = ref.find('.');
          std::vector<std::string> names;
          for (const Cnn& c : config->cnns) names.push_back(c.name);
          if (dot == std::string::npos) return Error(rv, "expected CNN.LAYER, got '" + ref + "'");
          const std::string cnn_name = ref.substr(0, dot), layer_name = ref.substr(dot + 1);
          auto c = std::find(names.begin(), names.end(), cnn_name);
          if (c == names.end()) {
            return Error(rv, "unknown CNN '" + cnn_name +
                                 "' (this configuration's CNNs: " + Join(names) + ")");
          }
          const Cnn& cnn = config->cnns[c - names.begin()];
          int j = -1;
          for (int k = 0; k < static_cast<int>(cnn.layers.size()); ++k) {
            if (cnn.layers[k].name == layer_name) j = k;
          }
          if (j < 0) return Error(rv, "CNN '" + cnn_name + "' has no layer '" + layer_name + "'");
          group.push_back({static_cast<int>(c - names.begin()), j});
        }
        config->shared.push_back(std::move(group));
      }
    }
  }
  if (const Val* ib = Find(f, "input_bytes")) {
    ASSIGN_OR_RETURN(double bytes, Positive(*ib, QuantityKind::kBytes));
    for (Cnn& c : config->cnns) c.input_bytes = static_cast<int64_t>(std::llround(bytes));
  }
  return Status::Ok();
}

// Validates a configuration against the protocol's sources and sinks on a
// one-unit stand-in system, so that errors name the configuration's line.
Status StudyParser::CheckConfiguration(const Val& v, const Study& study,
                                       const StudyConfiguration& config) const {
  SystemSpec spec;
  spec.technology = study.technologies.front();
  spec.units.push_back(Unit{"u", study.mixes.front().shares.front().type, std::nullopt});
  for (int s = 0; s < study.num_sources; ++s)
    spec.sources.push_back({"s" + std::to_string(s), {}, {}});
  for (int s = 0; s < study.num_sinks; ++s) spec.sinks.push_back({"f" + std::to_string(s), {}, {}});
  spec.links.emplace();
  Result<IoTSystem> sys = BuildSystem(spec);
  if (!sys.ok()) return Error(v, sys.status().message());
  Problem p;
  p.system = std::move(sys).value();
  p.cnns = config.cnns;
  p.shared = config.shared;
  for (const Cnn& c : config.cnns) {
    if (c.source >= study.num_sources || c.sink >= study.num_sinks) {
      return Error(v, "CNN '" + c.name + "' needs source " + std::to_string(c.source + 1) +
                          " and sink " + std::to_string(c.sink + 1) + ", but the protocol has " +
                          std::to_string(study.num_sources) + " source(s) and " +
                          std::to_string(study.num_sinks) + " sink(s)");
    }
  }
  if (Status s = ValidateProblem(p); !s.ok()) return Error(v, s.message());
  return Status::Ok();
}

Result<Study> StudyParser::Parse(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(file_ + ":" + std::to_string(e.mark.line + 1) +
                           ": YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgument(file_ + ": cannot parse: " + e.what());
  }
  const Val top{root, "", 1};
  if (!root.IsMap()) return Error(top, "a study must be a mapping of fields");
  ASSIGN_OR_RETURN(Fields f, Map(top, {"name", "description", "seed", "systems", "L",
                                       "cost_conventions", "objective", "solver", "time_limit",
                                       "device_types", "protocol", "configurations"}));
  Study study;
  study.path = file_;
  study.name = FileStem(file_);
  if (const Val* n = Find(f, "name")) {
    ASSIGN_OR_RETURN(study.name, String(*n));
  }
  if (const Val* d = Find(f, "description")) {
    ASSIGN_OR_RETURN(std::string ignored, String(*d));
  }
  if (const Val* s = Find(f, "seed")) {
    ASSIGN_OR_RETURN(int64_t seed, Integer(*s, 0, int64_t{1} << 53));
    study.seed = static_cast<uint64_t>(seed);
  }
  ASSIGN_OR_RETURN(Val systems, Required(f, top, "systems"));
  ASSIGN_OR_RETURN(int64_t num_systems, Integer(systems, 1, 100000000));
  study.num_systems = static_cast<int>(num_systems);

  ASSIGN_OR_RETURN(Val ls, Required(f, top, "L"));
  ASSIGN_OR_RETURN(std::vector<Val> l_items, Seq(ls));
  if (l_items.empty()) return Error(ls, "at least one value of L is needed");
  for (const Val& item : l_items) {
    ASSIGN_OR_RETURN(int l, LayerLimit(item));
    if (std::find(study.layer_limits.begin(), study.layer_limits.end(), l) !=
        study.layer_limits.end()) {
      return Error(item, "L = " + LayerLimitName(l) + " listed twice");
    }
    study.layer_limits.push_back(l);
  }

  if (const Val* cc = Find(f, "cost_conventions")) {
    ASSIGN_OR_RETURN(std::vector<Val> items, Seq(*cc));
    if (items.empty()) return Error(*cc, "at least one cost convention is needed");
    for (const Val& item : items) {
      ASSIGN_OR_RETURN(std::string s, String(item));
      CostConvention c;
      if (s == "paper") {
        c = CostConvention::kPaper;
      } else if (s == "published-v1") {
        c = CostConvention::kPublishedV1;
      } else {
        return Error(item, "unknown cost convention '" + s + "' (expected paper or published-v1)");
      }
      if (std::find(study.conventions.begin(), study.conventions.end(), c) !=
          study.conventions.end()) {
        return Error(item, "cost convention '" + s + "' listed twice");
      }
      study.conventions.push_back(c);
    }
  } else {
    study.conventions = {CostConvention::kPaper};
  }
  if (const Val* o = Find(f, "objective")) {
    ASSIGN_OR_RETURN(std::string s, String(*o));
    if (s == "sum") {
      study.objective = Objective::kSum;
    } else if (s == "max") {
      study.objective = Objective::kMax;
    } else {
      return Error(*o, "unknown objective '" + s + "' (expected sum or max)");
    }
  }
  if (const Val* s = Find(f, "solver")) {
    ASSIGN_OR_RETURN(study.solver, String(*s));
    if (Result<std::unique_ptr<Solver>> solver = MakeSolver(study.solver); !solver.ok()) {
      return Error(*s, solver.status().message());
    }
  }
  if (const Val* t = Find(f, "time_limit")) {
    if (t->node.IsScalar() && t->node.Scalar() == "none") {
      study.time_limit_s = std::numeric_limits<double>::infinity();
    } else {
      ASSIGN_OR_RETURN(study.time_limit_s, Positive(*t, QuantityKind::kSeconds));
    }
  }
  if (const Val* d = Find(f, "device_types")) RETURN_IF_ERROR(LoadDeviceTypes(*d));

  ASSIGN_OR_RETURN(Val protocol, Required(f, top, "protocol"));
  std::optional<Val> sources_val;
  RETURN_IF_ERROR(LoadProtocol(protocol, &study, &sources_val));

  ASSIGN_OR_RETURN(Val configs, Required(f, top, "configurations"));
  ASSIGN_OR_RETURN(std::vector<Val> config_items, Seq(configs));
  if (config_items.empty()) return Error(configs, "at least one configuration is needed");
  int most_cnns = 1;
  for (const Val& item : config_items) {
    StudyConfiguration config;
    int cnn_count = 0;
    RETURN_IF_ERROR(LoadConfiguration(item, &config, &cnn_count));
    for (const StudyConfiguration& other : study.configurations) {
      if (other.name == config.name) {
        return Error(item, "configuration '" + config.name + "' defined twice");
      }
    }
    most_cnns = std::max(most_cnns, cnn_count);
    study.configurations.push_back(std::move(config));
  }
  study.num_sources = most_cnns;
  if (sources_val) {
    ASSIGN_OR_RETURN(int64_t k, Integer(*sources_val, 1, 10000));
    study.num_sources = static_cast<int>(k);
  }
  for (size_t i = 0; i < config_items.size(); ++i) {
    RETURN_IF_ERROR(CheckConfiguration(config_items[i], study, study.configurations[i]));
  }
  return study;
}

}  // namespace

Result<Study> LoadStudyText(std::string_view text, std::string_view display_name,
                            const std::string& base_dir) {
  StudyParser parser{std::string(display_name), base_dir};
  return parser.Parse(text);
}

Result<Study> LoadStudyFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status(StatusCode::kNotFound, path + ": no such study file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IoError(path + ": cannot read");
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return LoadStudyText(text.str(), path, dir.empty() ? "." : dir);
}

}  // namespace distcnn
